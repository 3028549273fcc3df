// The HTTP app for Weft's official-SDK rows: a child process serving the same bench functions
// (bench/lib/functions.mjs) written on the official `inngest` SDK 4.x, with its express adapter,
// as an app built on Inngest would be deployed. Reports measurements to the parent over IPC.
//   argv: <weft server url>
import { createServer } from "node:http";
import express from "express";
import { Inngest } from "inngest";
import { serve } from "inngest/express";
import { benchFunctions } from "./functions.mjs";
import { answerProfileRequests } from "./profiler.mjs";

const baseUrl = process.argv[2];
// isDev: no signing, as against `weft dev`; checkpointing stays at the SDK's default (on in 4.x).
const inngest = new Inngest({ id: "bench", baseUrl, isDev: true, logger: { info() {}, warn() {}, error: console.error, debug() {} } });
// benchFunctions is written against @weft/sdk's createFunction(options, trigger, handler); v4 takes
// the trigger in the options. The handlers are unchanged, so both SDKs run the same function code.
const v4 = { createFunction: (options, trigger, handler) => inngest.createFunction({ ...options, triggers: [trigger] }, handler) };
const report = (msg) => process.send?.(msg);
const app = express();
// A fan-out call carries the run's whole state: allow large bodies, as the compat harness does.
app.use(express.json({ limit: "32mb" }));
app.use("/api/inngest", serve({ client: inngest, functions: benchFunctions(v4, report) }));
const http = createServer(app);
http.keepAliveTimeout = 60_000;
http.listen(0, "127.0.0.1", () => process.send?.({ kind: "listening", url: `http://127.0.0.1:${http.address().port}/api/inngest` }));
process.on("disconnect", () => process.exit(0));
answerProfileRequests();
