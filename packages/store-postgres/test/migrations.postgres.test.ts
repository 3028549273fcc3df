// Why these cannot be shared conformance cases: they are about the Postgres schema and connection
// themselves (migrations racing from several pools, a schema stamped by a newer build, what an
// unreachable server reports) which no other store has; the suite hands each case ready stores.
import { InvalidInputError, StoreUnavailableError, isWeftError } from "@weft/core";
import { closeStores } from "@weft/store";
import { createPostgresStores, migrate, migrations } from "@weft/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin } from "@weft/testing";

const suite = "postgres migrations";
const prefix = "weft_mig";
const used: string[] = [];
const latest = Math.max(...migrations.map((m) => m.version));

function schema(): string {
  const name = testSchema(prefix);
  used.push(name);
  return name;
}

async function appliedVersions(name: string): Promise<number[]> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ version: number }>(`SELECT version FROM "${name}".schema_migrations ORDER BY version`);
    return rows.map((r) => r.version);
  });
}

/** The rejection of `promise`, or undefined when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

if (await postgresReachable(suite)) {
  beforeAll(() => withAdmin((admin) => dropStaleSchemas(admin, prefix)));
  afterAll(() => withAdmin((admin) => dropSchemas(admin, used)));

  describe(suite, () => {
    it("concurrent migrate() from several pools applies each migration once", async () => {
      const name = schema();
      const results = await Promise.all(Array.from({ length: 6 }, () => migrate(postgresUrl, { schema: name })));
      // Exactly one caller applied each version; the others waited on the lock and found it done.
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      for (const r of results) expect(r).toMatchObject({ schema: name, version: latest });
      expect(await appliedVersions(name)).toEqual(migrations.map((m) => m.version));
      expect(await migrate(postgresUrl, { schema: name })).toEqual({ schema: name, applied: [], version: latest });
    });

    it("several store bundles starting at once on a new schema migrate it once and all work", async () => {
      const name = schema();
      const bundles = Array.from({ length: 4 }, () => createPostgresStores(postgresUrl, { schema: name, poolSize: 2 }));
      try {
        await Promise.all(bundles.map((b) => b.init()));
        expect(await appliedVersions(name)).toEqual(migrations.map((m) => m.version));
        const now = Date.now();
        const accepted = await Promise.all(
          bundles.map((b) => b.queue.enqueue({ id: "same", kind: "event", tenant: "t", payload: {}, availableAt: now, attempt: 0 })),
        );
        expect(accepted.filter(Boolean)).toHaveLength(1);
      } finally {
        await Promise.all(bundles.map(closeStores));
      }
    });

    it("a schema migrated by an older build gets only the migrations it lacks", async () => {
      const name = schema();
      const older = migrations.slice(0, 2);
      expect(await migrate(postgresUrl, { schema: name, migrations: older })).toMatchObject({ applied: [1, 2], version: 2 });
      const result = await migrate(postgresUrl, { schema: name });
      expect(result.applied).toEqual(migrations.slice(2).map((m) => m.version));
      expect(await appliedVersions(name)).toEqual(migrations.map((m) => m.version));
    });

    it("a schema with migrations newer than this build is refused, loudly, by migrate and by init", async () => {
      const name = schema();
      await migrate(postgresUrl, { schema: name });
      const future = latest + 1_000;
      await withAdmin((admin) =>
        admin.query(`INSERT INTO "${name}".schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, [future]),
      );
      const fromMigrate = await rejection(migrate(postgresUrl, { schema: name }));
      expect(isWeftError(fromMigrate, StoreUnavailableError)).toBe(true);
      expect(String((fromMigrate as Error).message)).toContain(`migration(s) ${future}`);
      expect(String((fromMigrate as Error).message)).toContain(`"${name}"`);

      const stores = createPostgresStores(postgresUrl, { schema: name });
      try {
        const fromInit = await rejection(stores.init());
        expect(isWeftError(fromInit, StoreUnavailableError)).toBe(true);
        expect(String((fromInit as Error).message)).toContain(String(future));
      } finally {
        await closeStores(stores);
      }
      // Nothing was applied or changed by the refused attempts.
      expect(await appliedVersions(name)).toEqual([...migrations.map((m) => m.version), future]);
    });

    it("an unreachable server fails init fast with StoreUnavailableError naming host and database, never the password", async () => {
      const password = "sup3r-s3cret-pw";
      const url = `postgres://weft:${password}@127.0.0.1:1/weft_unreachable`;
      const stores = createPostgresStores(url);
      const started = Date.now();
      try {
        const errors = await Promise.all([rejection(stores.init()), rejection(migrate(url))]);
        expect(Date.now() - started).toBeLessThan(5_000);
        for (const error of errors) {
          expect(isWeftError(error, StoreUnavailableError), String(error)).toBe(true);
          const message = (error as Error).message;
          expect(message).toMatch(/^cannot reach postgres at 127\.0\.0\.1:1\/weft_unreachable: .*ECONNREFUSED/);
          expect(message).not.toContain(password);
          expect(String((error as Error).cause)).not.toContain(password);
        }
        // A store whose init failed reports the same way on use.
        const onUse = await rejection(stores.queue.size());
        expect(isWeftError(onUse, StoreUnavailableError)).toBe(true);
        expect((onUse as Error).message).toContain("127.0.0.1:1/weft_unreachable");
        expect((onUse as Error).message).not.toContain(password);
      } finally {
        await closeStores(stores);
      }
    });

    it("text Postgres cannot hold is InvalidInputError; a closed bundle is StoreUnavailableError; bad options fail up front", async () => {
      const stores = createPostgresStores(postgresUrl, { schema: schema() });
      await stores.init();
      const nul = await rejection(
        stores.history.saveEvents([{ internalId: "e1", receivedAt: 1, event: { id: "e1", name: "app/\u0000", data: {}, user: {}, ts: 1 } }]),
      );
      expect(isWeftError(nul, InvalidInputError), String(nul)).toBe(true);
      expect(await stores.history.getEvent("e1")).toBeUndefined();
      await closeStores(stores);
      const error = await rejection(stores.registry.listApps());
      expect(isWeftError(error, StoreUnavailableError), String(error)).toBe(true);
      expect(() => createPostgresStores(postgresUrl, { schema: 'weft"; DROP TABLE x; --' })).toThrow(InvalidInputError);
      expect(() => createPostgresStores(postgresUrl, { poolSize: 0 })).toThrow(InvalidInputError);
    });
  });
} else {
  skipUnreachable(suite);
}
