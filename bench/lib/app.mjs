// The HTTP app for Weft's HTTP mode: a child process serving the bench functions with @weft/sdk's
// `serve` on node:http. Reports measurements to the parent over IPC. argv: <weft server url>
import { createServer } from "node:http";
import { serve, Weft } from "@weft/sdk";
import { benchFunctions } from "./functions.mjs";
import { answerProfileRequests } from "./profiler.mjs";

const baseUrl = process.argv[2];
const client = new Weft({ id: "bench", baseUrl });
const report = (msg) => process.send?.(msg);
const handler = serve({ client, functions: benchFunctions(client, report) });
const http = createServer((req, res) => void handler(req, res));
http.keepAliveTimeout = 60_000;
http.listen(0, "127.0.0.1", () => process.send?.({ kind: "listening", url: `http://127.0.0.1:${http.address().port}/api/inngest` }));
process.on("disconnect", () => process.exit(0));
answerProfileRequests();
