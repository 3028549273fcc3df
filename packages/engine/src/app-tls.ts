import { rootCertificates } from "node:tls";

/**
 * undici `connect` options for calls to apps: with an extra CA (`--app-ca`), trust it besides
 * Node's bundled roots (a `ca` option replaces the roots, so they are listed too). Certificates are
 * verified either way; there is no switch to turn verification off.
 */
export function appTlsConnect(appCa: string | Buffer | undefined): { ca: (string | Buffer)[] } | undefined {
  return appCa === undefined ? undefined : { ca: [...rootCertificates, appCa] };
}
