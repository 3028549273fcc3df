import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// `expectTypeOf` and `@ts-expect-error` in types.test.ts only mean something to the compiler, so
// this runs tsc over the test folder (test/tsconfig.json maps @weft/* to the sources).
it("the tests and their type-level assertions type-check", async () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const project = fileURLToPath(new URL("./tsconfig.json", import.meta.url));
  const output = await new Promise<string>((resolve) => {
    execFile(process.execPath, [tsc, "-p", project], { timeout: 60_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
  expect(output).toBe("");
}, 60_000);
