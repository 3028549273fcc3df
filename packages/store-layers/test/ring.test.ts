import { HashRing, positionalShardIds, shardLayout } from "@weft/store-layers";
import { createMemoryStores } from "@weft/store";
import { describe, expect, it } from "vitest";

const ids = Array.from({ length: 10_000 }, (_, i) => `01J${String(i).padStart(8, "0")}RUN`);

describe("HashRing", () => {
  it("spreads 10,000 ids over 3 shards within ±15% of an even share", () => {
    const ring = new HashRing(positionalShardIds(3));
    const counts = [0, 0, 0];
    for (const id of ids) counts[ring.ownerOf(id)] = (counts[ring.ownerOf(id)] ?? 0) + 1;
    for (const count of counts) {
      expect(count).toBeGreaterThan((10_000 / 3) * 0.85);
      expect(count).toBeLessThan((10_000 / 3) * 1.15);
    }
  });

  it("adding a 4th shard moves about 1/4 of the ids, and only onto the new shard", () => {
    const three = new HashRing(positionalShardIds(3));
    const four = new HashRing(positionalShardIds(4));
    let moved = 0;
    for (const id of ids) {
      const before = three.ownerOf(id);
      const after = four.ownerOf(id);
      if (before === after) continue;
      moved += 1;
      expect(after, `${id} moved between old shards`).toBe(3);
    }
    expect(moved).toBeGreaterThan(10_000 * 0.2);
    expect(moved).toBeLessThan(10_000 * 0.3);
  });

  it("removing a shard moves only that shard's ids", () => {
    const all = new HashRing(["a", "b", "c", "d"]);
    const withoutB = new HashRing(["a", "c", "d"]);
    for (const id of ids.slice(0, 2_000)) {
      const before = all.shardIds[all.ownerOf(id)];
      const after = withoutB.shardIds[withoutB.ownerOf(id)];
      if (before !== "b") expect(after).toBe(before);
    }
  });

  it("places shards by id, not position, and agrees across instances", () => {
    const one = new HashRing(["x", "y", "z"]);
    const reordered = new HashRing(["z", "x", "y"]);
    for (const id of ids.slice(0, 500)) expect(reordered.shardIds[reordered.ownerOf(id)]).toBe(one.shardIds[one.ownerOf(id)]);
    const again = new HashRing(["x", "y", "z"]);
    for (const id of ids.slice(0, 500)) expect(again.ownerOf(id)).toBe(one.ownerOf(id));
  });

  it("refuses an empty ring, duplicate ids, a bad virtual node count and mismatched shard ids", () => {
    expect(() => new HashRing([])).toThrow(/at least one shard/);
    expect(() => new HashRing(["a", "a"])).toThrow(/unique/);
    expect(() => new HashRing(["a"], 0)).toThrow(/virtualNodes/);
    expect(() => shardLayout([createMemoryStores()], { shardIds: ["a", "b"] })).toThrow(/1 shards but 2 shard ids/);
  });
});
