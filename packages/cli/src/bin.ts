#!/usr/bin/env node
import { ApiError } from "./api-client.js";
import { UsageError } from "./args.js";
import { cancel, functions, run, runs, send, signal } from "./api-commands.js";
import { dev, migrate, start } from "./server-commands.js";
import { shards } from "./shard-commands.js";
import { coordinator } from "./coordinator-command.js";

const usage = `usage: weft <command>
  dev   [--port 8288] [--host 127.0.0.1] [--allowed-host NAME]... [--data-dir .weft | --db URL]
        [--state URL[,URL…]] [--state-cache MB] [-u APP_URL]... [--no-discovery]
        [--workers N] [--max-app-calls N] [--retry-interval 1s] [--lease 10s] [--signing-key KEY]
        [--event-key KEY]... [--max-run-chain-depth 1000] (and the --max-* limits: see the README)
  start --signing-key KEY --event-key KEY... --api-token TOKEN [-u APP_URL]... [the flags of dev]
        [--insecure-dev] [--allow-private-fetch] [--redis-no-persistence-ok]
  migrate [--db URL] [--state URL]
  shards rebalance --db URL --from STATE_URLS --to STATE_URLS [--dry-run]
  coordinator --state URL [--listen 127.0.0.1:8290] [--pool 8] [--token T]
  send NAME [--data JSON] [--user JSON] [--id ID]
  signal NAME [--data JSON]
  runs [--status Running|Completed|Failed|Cancelled] [--function ID] [--limit N]
  run RUN_ID
  cancel RUN_ID
  functions [list] | pause ID | resume ID | cancel ID
(send, signal, runs, run, cancel and functions talk to --url, default $WEFT_URL or http://127.0.0.1:8288)`;

const commands: Record<string, (argv: string[]) => Promise<void>> = { dev, start, migrate, shards, coordinator, send, signal, runs, run, cancel, functions };

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(name && name !== "help" && name !== "--help" ? `unknown command "${name}"\n${usage}` : usage);
    process.exit(name === "help" || name === "--help" ? 0 : 2);
  }
  await command(argv);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError || e instanceof ApiError) {
    console.error(`weft: ${e.message}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
  console.error(`weft: ${(e as Error).message ?? e}`);
  process.exit(1);
});
