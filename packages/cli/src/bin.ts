#!/usr/bin/env node
import { ApiError } from "./api-client.js";
import { UsageError } from "./args.js";
import { cancel, functions, replay, run, runs, send, signal } from "./api-commands.js";
import { dev, migrate, start } from "./server-commands.js";
import { shards } from "./shard-commands.js";
import { coordinator } from "./coordinator-command.js";
import { explainFilter } from "./explain-command.js";

const usage = `usage: weft <command>
  dev   [--port 8288] [--host 127.0.0.1] [--allowed-host NAME]... [--data-dir .weft | --db URL]
        [--state URL[,URL…]] [--state-cache MB] [-u APP_URL]... [--no-discovery]
        [--workers N] [--max-app-calls N] [--retry-interval 1s] [--lease 10s] [--signing-key KEY]
        [--event-key KEY]... [--max-run-chain-depth 1000] (and the --max-* limits: see the README)
        [--log-format text|json] [--log-level debug|info|warn|error]
        [--retention 30d] [--retention-events 7d] [--retention-runs 30d] (off by default: history is kept forever)
        [--tls-cert FILE --tls-key FILE] (serve HTTPS) [--app-ca FILE] (trust this CA for https:// apps)
        [--otel-endpoint URL] (OTLP/HTTP traces; or OTEL_EXPORTER_OTLP_ENDPOINT) [--no-metrics] (GET /metrics is on by default)
  start --signing-key KEY --event-key KEY... --api-token TOKEN [-u APP_URL]... [the flags of dev]
        [--insecure-dev] [--allow-private-fetch] [--redis-no-persistence-ok]
  migrate [--db URL] [--state URL]
  shards rebalance --db URL --from STATE_URLS --to STATE_URLS [--dry-run]
  coordinator --state URL [--listen 127.0.0.1:8290] [--pool 8] [--token T]
        [--tls-cert FILE --tls-key FILE [--tls-ca FILE]]   (clients: --state 'weft+tls://HOST:PORT?ca=FILE&cert=FILE&key=FILE')
  send NAME [--data JSON] [--user JSON] [--id ID]
  signal NAME [--data JSON]
  runs [--status Running|Completed|Failed|Cancelled] [--function ID] [--limit N]
  run RUN_ID
  cancel RUN_ID | --fn ID --since T --until T --if EXPR [--dry-run]   (T: ISO time or 2h ago)
  replay RUN_ID [--from-step ID] | --fn ID --since T --until T --status Failed,Cancelled --if EXPR [--from-step ID] [--dry-run]
  functions [list] | pause ID | resume ID | cancel ID
  explain-filter --event FILE [--async FILE] 'EXPR'   (local: why an event does or does not match)
(send, signal, runs, run, cancel, replay and functions talk to --url, default $WEFT_URL or http://127.0.0.1:8288,
 sending $WEFT_API_TOKEN as the bearer token when it is set)`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  dev,
  start,
  migrate,
  shards,
  coordinator,
  send,
  signal,
  runs,
  run,
  cancel,
  replay,
  functions,
  "explain-filter": explainFilter,
};

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
