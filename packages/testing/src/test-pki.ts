import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A PEM file written by `makeTestPki`: its path (for CLI flags and URLs) and its text. */
export interface PemFile {
  path: string;
  pem: string;
}

/** Certificates for TLS tests, made fresh at test time in a temp folder. */
export interface TestPki {
  dir: string;
  /** The CA that signed the server and client certificates. */
  ca: PemFile;
  /** For 127.0.0.1, ::1 and localhost, signed by `ca`. */
  serverCert: PemFile;
  serverKey: PemFile;
  /** A client certificate (extendedKeyUsage clientAuth), signed by `ca`. */
  clientCert: PemFile;
  clientKey: PemFile;
  /** A second, unrelated CA: trusting it instead of `ca` must fail. */
  otherCa: PemFile;
  /** A client certificate signed by `otherCa`: a server trusting only `ca` must refuse it. */
  otherClientCert: PemFile;
  otherClientKey: PemFile;
  remove(): void;
}

/**
 * Make a CA, a server certificate for loopback and a client certificate, plus an unrelated CA and
 * client, with the machine's `openssl` (node:crypto cannot sign X.509 certificates). EC P-256 keys,
 * so it takes a few tens of milliseconds. Throws naming the problem when openssl is missing.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "weft-pki-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      throw new Error(`making test certificates needs openssl on the PATH: openssl ${args[0]} failed: ${(e as Error).message}`, { cause: e });
    }
  };
  const key = (name: string) => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", at(name));
  const makeCa = (name: string, subject: string) => {
    key(`${name}.key`);
    writeFileSync(at(`${name}.ext`), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n");
    openssl("req", "-x509", "-new", "-key", at(`${name}.key`), "-subj", subject, "-days", "2", "-out", at(`${name}.pem`), "-sha256");
  };
  const issue = (name: string, ca: string, subject: string, ext: string) => {
    key(`${name}.key`);
    openssl("req", "-new", "-key", at(`${name}.key`), "-subj", subject, "-out", at(`${name}.csr`));
    writeFileSync(at(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n${ext}\n`);
    openssl(
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at(`${ca}.pem`),
      "-CAkey",
      at(`${ca}.key`),
      "-CAcreateserial",
      "-days",
      "2",
      "-sha256",
      "-extfile",
      at(`${name}.ext`),
      "-out",
      at(`${name}.pem`),
    );
  };
  makeCa("ca", "/CN=Weft test CA");
  makeCa("other-ca", "/CN=Unrelated test CA");
  issue("server", "ca", "/CN=localhost", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost");
  issue("client", "ca", "/CN=weft-test-client", "extendedKeyUsage=clientAuth");
  issue("other-client", "other-ca", "/CN=stranger", "extendedKeyUsage=clientAuth");
  const file = (name: string): PemFile => ({ path: at(name), pem: readFileSync(at(name), "utf8") });
  return {
    dir,
    ca: file("ca.pem"),
    serverCert: file("server.pem"),
    serverKey: file("server.key"),
    clientCert: file("client.pem"),
    clientKey: file("client.key"),
    otherCa: file("other-ca.pem"),
    otherClientCert: file("other-client.pem"),
    otherClientKey: file("other-client.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
