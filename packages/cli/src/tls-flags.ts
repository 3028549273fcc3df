import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { UsageError } from "./args.js";

/** PEM contents of a certificate and its key, ready for node:https or node:http2. */
export interface CertAndKey {
  cert: Buffer;
  key: Buffer;
}

/** A file a flag names, read now so a typo stops the command at start with the flag and the file in the message. */
export function readFlagFile(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag} ${path}: cannot read the file: ${(e as Error).message}`);
  }
}

/**
 * `--tls-cert FILE --tls-key FILE`: both or neither. The pair is loaded into a TLS context here, so
 * a file that is not PEM, or a key that does not match the certificate, is a usage error at start
 * rather than a failure on the first connection.
 */
export function certAndKeyFlags(certPath: string | undefined, keyPath: string | undefined): CertAndKey | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError("--tls-cert and --tls-key go together: give both, or neither to serve plain HTTP");
  const pair = { cert: readFlagFile("--tls-cert", certPath) as Buffer, key: readFlagFile("--tls-key", keyPath) as Buffer };
  try {
    createSecureContext(pair);
  } catch (e) {
    throw new UsageError(`--tls-cert ${certPath} / --tls-key ${keyPath}: not a usable certificate and key (${(e as Error).message})`);
  }
  return pair;
}

/** A CA file (`--tls-ca`, `--app-ca`), checked to hold at least one certificate. */
export function caFlag(flag: string, path: string | undefined): Buffer | undefined {
  const pem = readFlagFile(flag, path);
  if (pem === undefined) return undefined;
  if (!pem.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`${flag} ${path}: not a PEM certificate file`);
  try {
    createSecureContext({ ca: pem });
  } catch (e) {
    throw new UsageError(`${flag} ${path}: not a usable CA certificate (${(e as Error).message})`);
  }
  return pem;
}
