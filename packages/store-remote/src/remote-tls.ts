import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { InvalidInputError } from "@weft/core";
import type { RemoteTarget } from "./remote-url.js";

/** PEM contents for a TLS client: given directly (`RemoteConnectionOptions.tls`) or read from a `weft+tls://` URL's files. */
export interface RemoteTlsOptions {
  /** A CA to trust besides Node's bundled roots. */
  ca?: string | Buffer;
  /** A client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** What `http2.connect` takes for TLS: the CA list replaces Node's roots, so they are listed too. */
export interface ClientTlsSettings {
  ca?: (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
}

/**
 * The TLS settings of a connection to `target`, or undefined for plain `weft://`. Options given in
 * code win over the URL's files; a file that cannot be read fails here, at start, naming it.
 */
export function clientTlsSettings(target: RemoteTarget, given: RemoteTlsOptions = {}): ClientTlsSettings | undefined {
  if (target.tls === undefined) return undefined;
  const read = (param: "ca" | "cert" | "key"): Buffer | undefined => {
    const path = target.tls?.[param];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new InvalidInputError(`${target.display}: cannot read ${param}=${path}: ${(e as Error).message}`);
    }
  };
  const ca = given.ca ?? read("ca");
  const cert = given.cert ?? read("cert");
  const key = given.key ?? read("key");
  return {
    ...(ca === undefined ? {} : { ca: [...rootCertificates, ca] }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}
