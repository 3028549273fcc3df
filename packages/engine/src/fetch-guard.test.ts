import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFetchAddressRefused, privateAddressGuard } from "./fetch-guard.js";

let server: Server;
let port = 0;
let hits = 0;
const guard = privateAddressGuard();

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.end("internal");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await guard.close();
  server.close();
});

async function refusal(url: string): Promise<unknown> {
  return request(url, { dispatcher: guard }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("privateAddressGuard", () => {
  // Every spelling of the loopback server the URL parser accepts, and a name that resolves to it.
  it.each([
    ["http://127.0.0.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://127.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://2130706433:PORT/", "127.0.0.1 is a loopback address"],
    ["http://0x7f.0.0.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://0177.0.0.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://[::ffff:127.0.0.1]:PORT/", "::ffff:7f00:1 is a loopback address"],
    ["http://0.0.0.0:PORT/", "0.0.0.0 is an unspecified address"],
    ["http://localhost:PORT/", "(localhost resolves to it)"],
    ["https://localhost:PORT/", "(localhost resolves to it)"],
  ])("refuses %s before connecting", async (template, reason) => {
    const before = hits;
    const e = await refusal(template.replace("PORT", String(port)));
    expect(isFetchAddressRefused(e), String(e)).toBe(true);
    expect((e as Error).message).toContain(reason);
    expect((e as Error).message).toContain("--allow-private-fetch");
    expect(hits).toBe(before);
  });

  it("refuses the cloud metadata address by name of its class", async () => {
    const e = await refusal("http://169.254.169.254/latest/meta-data/");
    expect((e as Error).message).toMatch(/^169\.254\.169\.254 is a link-local address/);
  });

  it("a name that does not resolve fails as an ordinary (retriable) error", async () => {
    const e = await refusal("http://no-such-host.invalid/");
    expect(e).toBeInstanceOf(Error);
    expect(isFetchAddressRefused(e)).toBe(false);
  });
});
