import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@weft/engine";
import { afterAll, describe, expect, it } from "vitest";
import { AppSyncer } from "./app-syncer.js";

// An address on the server's network answering with something private: a sync of it must say
// that it failed, never what it answered (the sync error is shown by the API).
const secret = "internal-admin-password-4711";
let answer: { status: number; headers: Record<string, string>; body: string } = { status: 404, headers: {}, body: secret };
const internal: Server = createServer((_req, res) => {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
});
await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
afterAll(() => new Promise<void>((resolve) => internal.close(() => resolve())));

const syncer = new AppSyncer([], { log: silentLogger, intervalMs: 60_000, serverKind: "dev", register: async () => ({}) });

describe("a failed sync", () => {
  it("names the status, never the app's answer", async () => {
    for (const status of [404, 500, 302]) {
      answer = { status, headers: {}, body: `<html>${secret}</html>` };
      const result = await syncer.add(url);
      expect(result.ok).toBe(false);
      expect(result.error).toContain(`HTTP ${status}`);
      expect(result.error).not.toContain(secret);
    }
  });

  it("says an in-band reply is not JSON without quoting it", async () => {
    answer = { status: 200, headers: { "x-inngest-sync-kind": "in_band" }, body: `${secret} is not json` };
    const result = await syncer.add(url);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("not valid JSON") });
    expect(result.error).not.toContain(secret);
  });
});
