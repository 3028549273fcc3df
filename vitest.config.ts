import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources: `@weft/<pkg>` resolves to packages/<pkg>/src, so no
// build is needed before `npm test`.
const packagesDir = fileURLToPath(new URL("./packages", import.meta.url));
const alias = Object.fromEntries(readdirSync(packagesDir).map((name) => [`@weft/${name}`, `${packagesDir}/${name}/src/index.ts`]));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "packages/e2e/chaos/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: one, on the 2-core machines this runs on,
    // which took the suite past 10 minutes. The suites are built to share a machine (a schema per
    // process on Postgres, random loopback ports, their own Redis keys), so two run side by side.
    maxWorkers: 2,
  },
});
