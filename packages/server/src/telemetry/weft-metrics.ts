import type { EngineObserver, FlowRefusal, RunEndStatus } from "@weft/engine";
import type { PauseStore, Queue, QueueItem, StepEntry } from "@weft/store";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { LabelledHistogram } from "./labelled-histogram.js";

/** Seconds from milliseconds: Prometheus measures time in seconds (`_seconds`). */
const seconds = (ms: number) => Math.max(0, ms) / 1000;

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Weft's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * servers in one process do not share counts). Counters and histograms count what this process did
 * (Prometheus sums processes); the queue gauges are read from the store at scrape time, so every
 * process reports the same, right, figure however many engines share the store.
 */
export class WeftMetrics implements EngineObserver {
  readonly registry = new Registry();
  private readonly runsStarted: Counter<"function">;
  private readonly runsEnded: Record<RunEndStatus, Counter<"function">>;
  private readonly eventsReceivedTotal: Counter;
  private readonly flowRefusals: Counter<"function" | "reason">;
  // The histograms observed per step or per store call are `LabelledHistogram`s: cheap on the hot path.
  private readonly stepDuration: LabelledHistogram<"op" | "status">;
  private readonly appCallDuration: LabelledHistogram<"function" | "outcome">;
  private readonly queueWait: LabelledHistogram<"kind">;
  /** Store call latency, observed by `timedStores`. */
  readonly storeCallDuration: LabelledHistogram<"backend" | "operation">;

  constructor(queue: Pick<Queue, "statsByKind">, now: () => number, pauses?: Pick<PauseStore, "countPauses">) {
    const registers = [this.registry];
    this.runsStarted = new Counter({ name: "weft_runs_started_total", help: "Runs started by this process", labelNames: ["function"], registers });
    const ended = (status: string) =>
      new Counter({ name: `weft_runs_${status}_total`, help: `Runs ${status} (claimed by this process)`, labelNames: ["function"] as const, registers });
    this.runsEnded = { Completed: ended("completed"), Failed: ended("failed"), Cancelled: ended("cancelled") };
    this.eventsReceivedTotal = new Counter({ name: "weft_events_received_total", help: "Events accepted from senders", registers });
    this.flowRefusals = new Counter({
      name: "weft_flow_control_refusals_total",
      help: "Times flow control held back or dropped a run: concurrency (limited), throttle (throttled), rate-limit, singleton",
      labelNames: ["function", "reason"],
      registers,
    });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
      new LabelledHistogram<L>(name, help, labelNames, buckets, this.registry);
    this.stepDuration = histogram(
      "weft_step_duration_seconds",
      "Duration of finished step attempts (and of sleeps and waits, by op)",
      ["op", "status"],
      latencyBuckets,
    );
    this.appCallDuration = histogram("weft_app_call_duration_seconds", "Latency of calls to apps", ["function", "outcome"], latencyBuckets);
    this.queueWait = histogram(
      "weft_queue_wait_seconds",
      "Time a job waited in the queue past its due time before this process started it",
      ["kind"],
      latencyBuckets,
    );
    this.storeCallDuration = histogram(
      "weft_store_call_duration_seconds",
      "Latency of store calls by backend and operation",
      ["backend", "operation"],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    );
    // Both gauges from one store read per scrape: the first collect reads, the second reuses it.
    let scrape: Promise<Awaited<ReturnType<Queue["statsByKind"]>>> | undefined;
    const stats = () => {
      scrape ??= queue.statsByKind(now()).finally(() => setImmediate(() => (scrape = undefined)));
      return scrape;
    };
    new Gauge({
      name: "weft_queue_depth",
      help: "Jobs in the queue (queued or leased) by kind, read from the store",
      labelNames: ["kind"],
      registers,
      async collect() {
        this.reset();
        for (const s of await stats()) this.set({ kind: s.kind }, s.depth);
      },
    });
    new Gauge({
      name: "weft_queue_oldest_due_age_seconds",
      help: "How long the oldest due, unleased job of each kind has waited (0 when none waits), read from the store",
      labelNames: ["kind"],
      registers,
      async collect() {
        this.reset();
        const at = now();
        for (const s of await stats()) this.set({ kind: s.kind }, s.oldestDueAt === undefined ? 0 : seconds(at - s.oldestDueAt));
      },
    });
    if (pauses)
      new Gauge({
        name: "weft_pauses_parked",
        help: "Pauses stored: runs parked on a wait, an invoke or a cancelOn, read from the store (see each backend's countPauses for how exact)",
        registers,
        async collect() {
          this.set(await pauses.countPauses());
        },
      });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  eventsReceived(count: number): void {
    this.eventsReceivedTotal.inc(count);
  }

  jobStarted(item: QueueItem, startedAt: number): void {
    this.queueWait.series(item.kind).observe(seconds(startedAt - item.availableAt));
  }

  jobFinished(): void {}

  runStarted(_runId: string, functionId: string): void {
    this.runsStarted.inc({ function: functionId });
  }

  runFinished(_runId: string, functionId: string, status: RunEndStatus): void {
    this.runsEnded[status].inc({ function: functionId });
  }

  appCallStarted(): undefined {
    return undefined;
  }

  appCallEnded(
    _runId: string,
    functionId: string,
    _stepId: string,
    _attempt: number,
    _tp: string | undefined,
    outcome: "ok" | "error",
    startedAt: number,
    endedAt: number,
  ): void {
    this.appCallDuration.series(functionId, outcome).observe(seconds(endedAt - startedAt));
  }

  stepSaved(): void {}

  stepRecorded(entry: StepEntry): void {
    if (entry.endedAt !== undefined) this.stepDuration.series(entry.op, entry.status).observe(seconds(entry.endedAt - entry.startedAt));
  }

  flowRefused(functionId: string, reason: FlowRefusal): void {
    this.flowRefusals.inc({ function: functionId, reason });
  }
}
