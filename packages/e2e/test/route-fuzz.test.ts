// Every route of the HTTP server under a seeded fuzzer, over raw TCP so malformed request lines,
// absolute-form targets and odd headers reach the server as an attacker would send them: bad
// percent-encoding and NULs in path parameters and queries, dot segments, foreign Host and Origin
// headers, wrong content types, bad tokens and keys, junk bodies. Nothing may stop the process,
// nothing may answer 5xx, every request gets an answer, and the server still works afterwards.
// Run against a `weft dev`-style server (SQLite, no secrets) and one with every secret set.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSigningKey } from "@weft/core";
import { afterAll, describe, expect, it } from "vitest";
import { startTestWeft, type TestWeft } from "../src/index.js";
import { seededRandom } from "@weft/testing";

const seed = Number(process.env.WEFT_FUZZ_SEED ?? 20261213);
const requestsPerServer = 2500;
const parallel = 16;

interface RawAnswer {
  /** The status of the answer's status line; undefined when the connection ended without one. */
  status: number | undefined;
  head: string;
}

/**
 * Send bytes on a fresh connection and read the answer's status line. A stream (`/v1/stream`)
 * never ends, so the connection is closed once the head of the answer is in.
 */
function rawRequest(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : undefined, head: text.slice(0, 400) });
    };
    const timer = setTimeout(finish, 3000);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n") && /content-type: text\/event-stream/i.test(text)) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", finish);
    // Written, not ended: a half-closed connection may be closed by the server before it answers.
    socket.write(bytes);
  });
}

interface Secrets {
  signingKey: string;
  eventKey: string;
  apiToken: string;
}

/** Random requests built from the server's own route table, with corruption at every level. */
function requestMaker(rand: () => number, routes: { method: string; pattern: string }[], port: number, secrets?: Secrets) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const maybe = (p: number) => rand() < p;
  const segments = [
    "01JABCDEFGHJKMNPQRSTVWXYZ0",
    "x",
    "key",
    "%E0",
    "%ZZ",
    "%",
    "%%",
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%F0%9F%A7%B5",
    "..",
    "%2e%2e",
    ".",
    "%2F",
    "%5C",
    "a b",
    "x".repeat(3000),
    "__proto__",
    "constructor",
    "ü",
    "%C0%AF",
    "@",
    ":",
    "?",
    "#",
  ];
  const queryKeys = ["status", "limit", "cursor", "name", "function_id", "from", "to", "x", "%E0", "%00", "limit[]", ""];
  const queryValues = [
    "",
    "1",
    "0",
    "-1",
    "1.5",
    "1e3",
    "1001",
    "999999999999999999999",
    "Running",
    "Failed",
    "nope",
    "%00",
    "a%00",
    "%E0",
    "%ZZ",
    "2026-01-01T00:00:00Z",
    "x".repeat(2000),
    "%F0%9F",
  ];
  const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND", "CONNECT"];
  const validHost = `127.0.0.1:${port}`;
  const hosts = [
    validHost,
    validHost,
    validHost,
    `localhost:${port}`,
    `[::1]:${port}`,
    "evil.example",
    "evil.example:80",
    "",
    "127.0.0.1:99999",
    "[::1",
    "a b",
    "x".repeat(500),
  ];
  const contentTypes = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/vnd.api+json",
    "json",
  ];
  const origins = [`http://${validHost}`, "http://evil.example", "null", "not a url", "file://", `https://${validHost}`];
  const fetchSites = ["same-origin", "cross-site", "same-site", "none", "bogus"];
  const authorizations = secrets
    ? [
        `Bearer ${secrets.apiToken}`,
        `Bearer ${hashSigningKey(secrets.signingKey)}`,
        "Bearer ",
        "Bearer x",
        "Basic Zm9vOmJhcg==",
        `Bearer ${"a".repeat(5000)}`,
        `bearer ${secrets.apiToken}`,
      ]
    : ["Bearer x", "Bearer ", "Basic Zm9vOmJhcg==", `Bearer ${"a".repeat(5000)}`];
  const bodies = [
    "",
    "{}",
    "[]",
    "null",
    "{",
    "\u0000",
    '{"name":"fuzz/route","data":{}}',
    '[{"name":"fuzz/route","data":{"s":"a\\u0000b"}}]',
    '{"url":"http://127.0.0.1:1/api/inngest"}',
    '{"url":"file:///etc/passwd"}',
    '{"url":7}',
    '{"step_id":"x"}',
    '{"step_id":"\\u0000"}',
    '{"appName":"fuzz","url":"http://127.0.0.1:1/api/inngest","functions":[]}',
    '{"appName":"fuzz","url":"http://127.0.0.1:1/api/inngest","functions":[{"id":"f","triggers":[{"event":"a","expression":"(("}]}]}',
    '{"steps":[{"id":"s","op":"StepRun","data":1}]}',
    JSON.stringify({ deep: JSON.parse(`${"[".repeat(600)}${"]".repeat(600)}`) }),
    "x".repeat(70_000),
  ];

  function target(): string {
    const route = pick(routes);
    let path = route.pattern
      .split("/")
      .map((part) => (part.startsWith(":") ? (route.pattern.startsWith("/e/") && secrets && maybe(0.5) ? secrets.eventKey : pick(segments)) : part))
      .join("/");
    if (maybe(0.05)) path = path.replace("/", "//");
    if (maybe(0.05)) path = `/v1/..${path}`;
    if (maybe(0.04)) path = `${path}/extra`;
    if (maybe(0.05)) path = path.toUpperCase();
    if (maybe(0.6)) {
      const n = 1 + Math.floor(rand() * 3);
      path += `?${Array.from({ length: n }, () => `${pick(queryKeys)}=${pick(queryValues)}`).join("&")}`;
    }
    if (maybe(0.05))
      return pick([`http://a:99999${path}`, `http://${validHost}${path}`, `//a:99999${path}`, "*", `http://[${path}`, `mailto:${path}`, `\\\\${path}`]);
    return path;
  }

  return (): { bytes: Buffer; label: string } => {
    if (maybe(0.03)) {
      // A malformed request line or header block: the HTTP parser's to refuse.
      const raw = pick([
        "GARBAGE\r\n\r\n",
        `GET ${target()}\r\n\r\n`,
        `GET / HTTP/9.9\r\nHost: ${validHost}\r\n\r\n`,
        `GET /\u0001 HTTP/1.1\r\nHost: ${validHost}\r\n\r\n`,
        `GET / HTTP/1.1\r\nHost: ${validHost}\r\nBad Header: x\r\n\r\n`,
        `POST /e/key HTTP/1.1\r\nHost: ${validHost}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        `GET / HTTP/1.1\r\nHost: ${validHost}\r\nX: ${"y".repeat(20_000)}\r\n\r\n`,
      ]);
      return { bytes: Buffer.from(raw, "latin1"), label: JSON.stringify(raw.slice(0, 200)) };
    }
    const method = maybe(0.85) ? pick(routes).method : pick(methods);
    const path = target();
    const body = ["GET", "HEAD"].includes(method) && maybe(0.8) ? "" : pick(bodies);
    const bodyBytes = Buffer.from(body, "utf8");
    const headers: string[] = [];
    if (maybe(0.97)) headers.push(`Host: ${maybe(0.85) ? validHost : pick(hosts)}`);
    if (body !== "" && maybe(0.9)) headers.push(`Content-Type: ${maybe(0.6) ? "application/json" : pick(contentTypes)}`);
    if (maybe(0.2)) headers.push(`Origin: ${pick(origins)}`);
    if (maybe(0.2)) headers.push(`Sec-Fetch-Site: ${pick(fetchSites)}`);
    if (maybe(0.5)) headers.push(`Authorization: ${pick(authorizations)}`);
    if (maybe(0.1)) headers.push(`X-Inngest-Event-Id-Seed: ${pick(["", "x", "1,2", "%00", "a".repeat(1000)])}`);
    if (maybe(0.05)) headers.push(`X-Inngest-Expected-Server-Kind: ${pick(["dev", "cloud", ""])}`);
    if (maybe(0.05)) headers.push(`Accept-Encoding: ${pick(["gzip", "br", "*"])}`);
    headers.push(`Content-Length: ${bodyBytes.length}`, "Connection: close");
    const head = `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
    return {
      bytes: Buffer.concat([Buffer.from(head, "utf8"), bodyBytes]),
      label: `${method} ${path.slice(0, 150)} [${headers.join(" | ").slice(0, 300)}] ${body.slice(0, 80)}`,
    };
  };
}

const dirs: string[] = [];
const servers: TestWeft[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A stand-in for the built dashboard, so a GET outside the API is answered the same on every machine. */
function dashboardDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-fuzz-dash-"));
  dirs.push(dir);
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>weft</title>");
  return dir;
}

async function fuzz(weft: TestWeft, label: string, secrets?: Secrets): Promise<void> {
  const port = Number(new URL(weft.url).port);
  const routes = weft.server.routes;
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => crashes.push(e);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const rand = seededRandom(seed + label.length);
  const next = requestMaker(rand, routes, port, secrets);
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  try {
    const requests = Array.from({ length: requestsPerServer }, next);
    let i = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (i < requests.length) {
          const req = requests[i++] as { bytes: Buffer; label: string };
          const answer = await rawRequest(port, req.bytes);
          const key = answer.status === undefined ? "no answer" : `${String(answer.status)[0]}xx`;
          counts[key] = (counts[key] ?? 0) + 1;
          if (answer.status === undefined || answer.status >= 500)
            failures.push(`${answer.status ?? "no answer"} ← ${req.label}\n   ${answer.head.replace(/\r\n/g, " | ").slice(0, 300)}`);
        }
      }),
    );
  } finally {
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
  console.log(`route fuzz, ${label} (seed ${seed}): ${requestsPerServer} requests over ${routes.length} routes → ${JSON.stringify(counts)}`);
  expect(crashes).toEqual([]);
  expect(failures.slice(0, 20)).toEqual([]);
  // Every class of refusal was exercised, and the server still answers.
  expect(counts["4xx"]).toBeGreaterThan(requestsPerServer / 4);
  expect(counts["2xx"]).toBeGreaterThan(requestsPerServer / 50);
  const health = await rawRequest(port, Buffer.from(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
  expect(health.status).toBe(200);
}

describe(`every route under a fuzzer (seed ${seed})`, () => {
  it(`a weft dev-style server on SQLite: ${requestsPerServer} malformed requests, no crash, no 5xx`, { timeout: 60_000 }, async () => {
    const weft = await startTestWeft({ store: "sqlite", server: { dashboardDir: dashboardDir() } });
    servers.push(weft);
    await fuzz(weft, "dev on SQLite");
  });

  it(`a server with every secret set: ${requestsPerServer} malformed requests, no crash, no 5xx`, { timeout: 60_000 }, async () => {
    const secrets: Secrets = {
      signingKey: `signkey-test-${randomBytes(32).toString("hex")}`,
      eventKey: `evt-${randomBytes(8).toString("hex")}`,
      apiToken: `tok-${randomBytes(8).toString("hex")}`,
    };
    const weft = await startTestWeft({
      store: "sqlite",
      signingKey: secrets.signingKey,
      eventKeys: [secrets.eventKey],
      server: { apiToken: secrets.apiToken, dashboardDir: dashboardDir() },
    });
    servers.push(weft);
    await fuzz(weft, "every secret set", secrets);
  });
});
