/**
 * Names the TLS problem behind a failed connection, for error messages: Node reports certificate
 * trouble as an OpenSSL code (`SELF_SIGNED_CERT_IN_CHAIN`) or a received alert
 * (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`) whose text alone does not say what to change.
 * Answers undefined when the error is not a TLS one. No I/O: it reads the error's `code` (and its
 * `cause`'s, as undici wraps them).
 */
export type TlsProblem = "untrusted-server" | "server-name" | "client-cert-required" | "client-cert-refused" | "not-tls";

const untrustedServer = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED",
]);

/** The problem, from the error's code or its cause's. */
export function tlsProblemOf(e: unknown): TlsProblem | undefined {
  for (let cur: unknown = e, depth = 0; cur !== null && typeof cur === "object" && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (untrustedServer.has(code)) return "untrusted-server";
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "server-name";
    if (code === "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" || code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE") return "client-cert-required";
    if (/^ERR_SSL_(TLSV1|SSLV3)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR)$/.test(code)) return "client-cert-refused";
    if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG") return "not-tls";
  }
  return undefined;
}

/**
 * One sentence naming the problem and the fix, with the caller's names for its options (`--app-ca`,
 * `?ca=`); undefined when `e` is not a TLS failure.
 */
export function describeTlsProblem(e: unknown, fixes: { ca: string; clientCert: string }): string | undefined {
  switch (tlsProblemOf(e)) {
    case "untrusted-server":
      return `TLS: the peer's certificate is not trusted (signed by a CA this side does not know); give that CA with ${fixes.ca}`;
    case "server-name":
      return "TLS: the peer's certificate does not name the host connected to (check its subjectAltName)";
    case "client-cert-required":
      return `TLS: the peer requires a client certificate (mutual TLS); give one with ${fixes.clientCert}`;
    case "client-cert-refused":
      return "TLS: the peer refused this side's client certificate (it is not signed by a CA the peer trusts)";
    case "not-tls":
      return "TLS: the peer does not speak TLS on this port (is it serving plain HTTP?)";
    default:
      return undefined;
  }
}
