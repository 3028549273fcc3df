import { Cluster, type Redis } from "ioredis";

/** A unique key prefix per test case: pid and a counter, so parallel files and cases never meet. */
let counter = 0;
export function uniquePrefix(label: string): string {
  counter += 1;
  return `weft-test:${label}:${process.pid}:${counter}:`;
}

/** Every key under `prefix`, from every master (a cluster spreads them over its nodes). */
export async function keysWithPrefix(admin: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = admin instanceof Cluster ? admin.nodes("master") : [admin];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== "0");
  }
  return found;
}

/** Delete every key under `prefix`, one key per call (a cluster refuses multi-key calls across slots). */
export async function deleteKeysWithPrefix(admin: Redis | Cluster, prefix: string): Promise<void> {
  const keys = await keysWithPrefix(admin, prefix);
  await Promise.all(keys.map((key) => admin.unlink(key)));
}
