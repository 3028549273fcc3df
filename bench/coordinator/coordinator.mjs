// A coordinator process for the bench: `weft coordinator --state <postgres> --pool N` in miniature,
// until the CLI command exists. Prints one JSON line {"listening": url} once it serves; on SIGTERM it
// drains (calls in flight finish), prints its health and CPU time, closes the stores and exits.
//
//   node bench/coordinator/coordinator.mjs --state postgres://… --schema s --listen 127.0.0.1:7390 --pool 8 [--token T] [--no-lease-batching]
import { parseArgs } from "node:util";
import { createPostgresStores } from "../../packages/store-postgres/dist/index.js";
import { startCoordinator } from "../../packages/store-remote/dist/index.js";

const { values } = parseArgs({
  options: {
    state: { type: "string" },
    schema: { type: "string", default: "weft" },
    listen: { type: "string", default: "127.0.0.1:7390" },
    pool: { type: "string", default: "8" },
    token: { type: "string" },
    "no-lease-batching": { type: "boolean", default: false },
  },
});
const pool = Number(values.pool);
const [host, port] = splitHostPort(values.listen);

// The backend's pool and the coordinator's limit are the same number: no call ever waits inside pg.
const { history, ...stores } = createPostgresStores(values.state, { schema: values.schema, poolSize: pool });
await history.close();
await Promise.all([stores.state.init(), stores.pauses.init(), stores.queue.init(), stores.flow?.init()]);
const coordinator = await startCoordinator({
  stores,
  listen: { host, port },
  token: values.token,
  maxInFlight: pool,
  coalesceLeases: !values["no-lease-batching"],
});
console.log(JSON.stringify({ listening: coordinator.url }));

process.once("SIGTERM", async () => {
  await coordinator.drain({ timeoutMs: 10_000 });
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ health: coordinator.health(), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
  await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.flow?.close()]);
  process.exit(0);
});

function splitHostPort(text) {
  const at = text.lastIndexOf(":");
  return [text.slice(0, at).replace(/^\[|\]$/g, ""), Number(text.slice(at + 1))];
}
