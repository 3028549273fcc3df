import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidInputError } from "@weft/core";
import { createMemoryStores, type Stores } from "@weft/store";
import { createSqliteStores } from "@weft/store-sqlite";

/**
 * Stores from configuration: `sqlite:PATH` (the embedded default) or `memory:`. Other backends
 * plug in here, never in the engine.
 */
export async function openStores(url: string): Promise<Stores> {
  let stores: Stores;
  if (url === "memory:" || url === "memory") stores = createMemoryStores();
  else if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\//, "");
    if (path === "") throw new InvalidInputError(`"${url}" names no file: use sqlite:PATH`);
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    stores = createSqliteStores(path);
  } else {
    throw new InvalidInputError(`unsupported store URL "${url}": use sqlite:PATH or memory:`);
  }
  await Promise.all([stores.state.init(), stores.pauses.init(), stores.queue.init(), stores.history.init()]);
  return stores;
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.history.close()]);
}
