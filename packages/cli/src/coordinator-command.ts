import { openStateLayout, redactUrl } from "@weft/server";
import { startCoordinator } from "@weft/store-remote";
import { parse, UsageError } from "./args.js";
import { caFlag, certAndKeyFlags } from "./tls-flags.js";

/**
 * `weft coordinator --state URL --listen HOST:PORT [--pool N] [--token T] [--tls-cert F --tls-key F [--tls-ca F]]`:
 * host a store behind the network API engine processes reach with `--state weft://HOST:PORT`
 * (`weft+tls://HOST:PORT?ca=…` over TLS; `--tls-ca` requires client certificates signed by that CA). At most N calls reach the
 * backing store at once, however many engines connect. SIGTERM drains: new calls are refused (the
 * clients move to another coordinator), calls in flight finish, then it exits.
 */
export async function coordinator(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    state: { type: "string" },
    listen: { type: "string", default: "127.0.0.1:8290" },
    pool: { type: "string", default: "8" },
    token: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "tls-ca": { type: "string" },
  });
  if (!values.state) throw new UsageError("weft coordinator needs --state URL (the store to host)");
  const [host, portText] = (values.listen ?? "").split(/:(?=\d+$)/);
  const port = Number(portText);
  if (!host || !Number.isInteger(port)) throw new UsageError(`--listen takes HOST:PORT, not "${values.listen}"`);
  const pool = Number(values.pool);
  if (!Number.isInteger(pool) || pool < 1) throw new UsageError(`--pool takes a positive integer, not "${values.pool}"`);
  const token = values.token ?? process.env.WEFT_COORDINATOR_TOKEN;
  const served = certAndKeyFlags(values["tls-cert"], values["tls-key"]);
  const clientCa = caFlag("--tls-ca", values["tls-ca"]);
  if (clientCa !== undefined && served === undefined) throw new UsageError("--tls-ca (client certificates) needs --tls-cert and --tls-key");
  const tls = served === undefined ? undefined : { ...served, ...(clientCa === undefined ? {} : { ca: clientCa }) };
  const stores = openStateLayout(values.state);
  await stores.init();
  const running = await startCoordinator({ stores, listen: { host, port }, token, maxInFlight: pool, tls });
  const extras = `${token ? ", token required" : ""}${clientCa ? ", client certificates required" : ""}`;
  console.log(`Weft coordinator on ${running.url} for ${redactUrl(values.state)} (at most ${pool} calls at once${extras})`);
  const stop = async () => {
    await running.drain({ timeoutMs: 30_000 });
    await stores.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}
