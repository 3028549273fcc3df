import { InvalidInputError, isWeftError, StoreUnavailableError } from "@weft/core";
import { createMemoryStores } from "@weft/store";
import { makeTestPki, type TestPki } from "@weft/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRemoteStores, parseRemoteUrl, startCoordinator } from "../src/index.js";
import type { Coordinator, CoordinatorTls, RemoteStores } from "../src/index.js";

// The coordinator over TLS and mutual TLS, with certificates made for this file: what a client
// with the right CA (and client certificate) gets, and the error each wrong setup gets instead.

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hostOverTls(tls: CoordinatorTls | undefined): Promise<Coordinator> {
  const backing = createMemoryStores();
  await backing.init();
  const coordinator = await startCoordinator({ stores: backing, listen: { host: "127.0.0.1", port: 0 }, tls });
  cleanups.push(async () => {
    await coordinator.close();
    await backing.close();
  });
  return coordinator;
}

/** A client of `url` with these query parameters (file paths), its failures fast. */
function client(url: string, params: Record<string, string> = {}): RemoteStores {
  const query = new URLSearchParams(params).toString();
  const remote = createRemoteStores(query ? `${url}?${query}` : url, { retryWindowMs: 300, connectTimeoutMs: 2_000 });
  cleanups.push(() => remote.close());
  return remote;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Error,
  );
}

/** A round trip that reaches the backing store: a run created, then read back. */
async function roundTrip(remote: RemoteStores): Promise<void> {
  await remote.init();
  const created = await remote.state.createRun({
    runId: "r1",
    idempotencyKey: "fn:r1",
    functionId: "app-fn",
    appId: "app",
    env: "dev",
    events: [],
    createdAt: Date.now(),
    maxAttempts: 1,
  });
  expect(created).toMatchObject({ status: "created" });
  expect((await remote.state.loadMetadata("r1"))?.functionId).toBe("app-fn");
}

describe("weft+tls:// URLs", () => {
  it("parse the CA and client certificate files, and connect over https", () => {
    const target = parseRemoteUrl("weft+tls://weft:s3cret@127.0.0.1:9000,[::1]:9001?ca=/etc/ca.pem&cert=/c.pem&key=/c.key");
    expect(target.tls).toEqual({ ca: "/etc/ca.pem", cert: "/c.pem", key: "/c.key" });
    expect(target.token).toBe("s3cret");
    expect(target.endpoints.map((e) => e.authority)).toEqual(["https://127.0.0.1:9000", "https://[::1]:9001"]);
    expect(target.display).toBe("weft+tls://127.0.0.1:9000,[::1]:9001");
    expect(parseRemoteUrl("weft+tls://127.0.0.1:9000").tls).toEqual({});
    expect(parseRemoteUrl("weft://127.0.0.1:9000").tls).toBeUndefined();
  });

  it("refuse an unknown parameter, a certificate without its key, and a query on plain weft://", () => {
    expect(() => parseRemoteUrl("weft+tls://127.0.0.1:9000?cafile=/x")).toThrow(/unknown parameter "cafile".*ca, cert and key/);
    expect(() => parseRemoteUrl("weft+tls://127.0.0.1:9000?cert=/c.pem")).toThrow(/needs both cert=FILE and key=FILE/);
    expect(() => parseRemoteUrl("weft://127.0.0.1:9000?ca=/x")).toThrow(/no path or query/);
  });

  it("name an unreadable file when the stores are created", () => {
    const e = (() => {
      try {
        createRemoteStores("weft+tls://127.0.0.1:9000?ca=/nonexistent/ca.pem");
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(isWeftError(e, InvalidInputError)).toBe(true);
    expect((e as Error).message).toMatch(/cannot read ca=\/nonexistent\/ca\.pem: ENOENT/);
  });
});

describe("a coordinator serving TLS", () => {
  it("answers a client that trusts its CA, under a weft+tls:// URL", async () => {
    const coordinator = await hostOverTls({ cert: pki.serverCert.pem, key: pki.serverKey.pem });
    expect(coordinator.url).toMatch(/^weft\+tls:\/\/127\.0\.0\.1:\d+$/);
    await roundTrip(client(coordinator.url, { ca: pki.ca.path }));
  });

  it("is refused by a client that does not trust its CA, naming the certificate problem", async () => {
    const coordinator = await hostOverTls({ cert: pki.serverCert.pem, key: pki.serverKey.pem });
    for (const params of [{}, { ca: pki.otherCa.path }] as Record<string, string>[]) {
      const e = await failure(client(coordinator.url, params).init());
      expect(isWeftError(e, StoreUnavailableError)).toBe(true);
      expect(e.message).toMatch(/certificate is not trusted.*\?ca=FILE/);
    }
  });

  it("cannot be reached with plain weft://, with a message that says so", async () => {
    const coordinator = await hostOverTls({ cert: pki.serverCert.pem, key: pki.serverKey.pem });
    const e = await failure(client(coordinator.url.replace("weft+tls://", "weft://")).init());
    expect(isWeftError(e, StoreUnavailableError)).toBe(true);
    expect(e.message).toMatch(/no coordinator answered/);
  });
});

describe("a coordinator requiring client certificates (mutual TLS)", () => {
  const mtls = () => hostOverTls({ cert: pki.serverCert.pem, key: pki.serverKey.pem, ca: pki.ca.pem });

  it("answers a client presenting a certificate its CA signed", async () => {
    const coordinator = await mtls();
    await roundTrip(client(coordinator.url, { ca: pki.ca.path, cert: pki.clientCert.path, key: pki.clientKey.path }));
  });

  it("refuses a client without a certificate: the error says one is required", async () => {
    const coordinator = await mtls();
    const e = await failure(client(coordinator.url, { ca: pki.ca.path }).init());
    expect(isWeftError(e, StoreUnavailableError)).toBe(true);
    expect(e.message).toMatch(/requires a client certificate.*cert=FILE&key=FILE/);
  });

  it("refuses a certificate another CA signed: the error says it was refused", async () => {
    const coordinator = await mtls();
    const e = await failure(client(coordinator.url, { ca: pki.ca.path, cert: pki.otherClientCert.path, key: pki.otherClientKey.path }).init());
    expect(isWeftError(e, StoreUnavailableError)).toBe(true);
    expect(e.message).toMatch(/refuses the client certificate \(not signed by a CA it trusts\)/);
  });

  it("takes PEM contents in code as well as files in the URL", async () => {
    const coordinator = await mtls();
    const remote = createRemoteStores(coordinator.url, { tls: { ca: pki.ca.pem, cert: pki.clientCert.pem, key: pki.clientKey.pem } });
    cleanups.push(() => remote.close());
    await roundTrip(remote);
  });
});
