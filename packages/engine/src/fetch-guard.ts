import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import { nonPublicAddressClass } from "./address-class.js";

/** `code` of the error a refused connection fails its request with. */
export const fetchAddressRefused = "FETCH_ADDRESS_NOT_ALLOWED";

/** Why a gateway call was refused: the target resolved to a non-public address. */
export class FetchAddressRefusedError extends Error {
  readonly code = fetchAddressRefused;
  override readonly name = "FetchAddressNotAllowed";
}

export function isFetchAddressRefused(e: unknown): e is FetchAddressRefusedError {
  return (e as { code?: unknown } | null)?.code === fetchAddressRefused;
}

/**
 * The dispatcher production gateway calls go through (`weft start` without `--allow-private-fetch`):
 * it refuses to connect to a private, loopback, link-local or otherwise non-public address.
 *
 * The check sits in the connector, where the connection is made, not before the request: the name
 * is resolved once, every address it resolves to is checked (one non-public address refuses the
 * lot), and the socket connects to the checked address itself. A second resolution that could
 * answer differently (DNS rebinding) never happens, and every connection is checked, including any
 * to a redirect's target (the gateway does not follow redirects: a 3xx is the step's response).
 * IP literals (`http://127.1/`, `http://2130706433/`, `http://[::ffff:7f00:1]/`) arrive here
 * normalised by the URL parser and are checked the same way.
 */
export function privateAddressGuard(): Agent {
  const connect = buildConnector({});
  return new Agent({
    connect: (opts, callback) => {
      pickAddress(opts.hostname).then(
        // `host` keeps the name, so TLS still sends it as SNI and checks the certificate against it.
        (address) => connect({ ...opts, hostname: address }, callback),
        (e: unknown) => callback(e as Error, null),
      );
    },
  });
}

async function pickAddress(hostname: string): Promise<string> {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  const addresses = isIP(bare) ? [bare] : (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
  for (const address of addresses) {
    const kind = nonPublicAddressClass(address);
    if (kind === undefined) continue;
    const via = address === bare ? "" : ` (${bare} resolves to it)`;
    throw new FetchAddressRefusedError(
      `${address} is ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} address${via}: weft start does not fetch private, loopback or link-local addresses for functions (start it with --allow-private-fetch to allow them)`,
    );
  }
  const first = addresses[0];
  if (first === undefined) throw new Error(`${bare} resolves to no address`);
  return first;
}
