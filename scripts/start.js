// `npm start`: the Weft dev server (SQLite in .weft/) and the activation-email example app, together.
// Ctrl-C stops both. The server keeps its state, so a restart picks up every run where it was.
import { spawn } from "node:child_process";

const appPort = process.env.PORT ?? "3000";
const appUrl = `http://127.0.0.1:${appPort}/api/inngest`;

const children = [
  spawn(process.execPath, ["examples/activation-email/dist/main.js"], { stdio: "inherit", env: { ...process.env, PORT: appPort } }),
  spawn(process.execPath, ["packages/cli/dist/bin.js", "dev", "-u", appUrl, ...process.argv.slice(2)], { stdio: "inherit" }),
];

setTimeout(() => {
  console.log(`
Weft is running the activation-email example. In another terminal:
  npx weft send app/user.created --data '{"user":{"id":"u1"}}' --user '{"email":"ada@example.com"}'
  npx weft runs                 # the run waits for app/post.created
  npx weft send app/post.created --data '{"user":{"id":"u1"},"title":"Hello"}'
  npx weft run <RUN_ID>         # the step timeline
`);
}, 1500).unref();

let stopping = false;
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  process.exitCode = code;
};
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
for (const child of children) child.on("exit", (code) => stop(code ?? 0));
