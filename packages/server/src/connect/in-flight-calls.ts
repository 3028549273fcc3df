import { ulid } from "@weft/core";
import type { DriverResponse } from "@weft/engine";

export interface InFlightTimings {
  /** A request the worker has not acknowledged after this is given up (the worker is stuck). */
  ackMs: number;
  /** A request whose lease is not extended within this is given up (the worker died or hung). */
  leaseMs: number;
  /** The whole call, acknowledged and extended or not (`--call-timeout`). */
  callTimeoutMs: number;
}

interface Call {
  leaseId: string;
  acked: boolean;
  resolve: (res: DriverResponse) => void;
  /** The ack or lease deadline, whichever is next. */
  deadline: NodeJS.Timeout;
  overall: NodeJS.Timeout;
}

/** A call that did not come back: retried like a 5xx, so the job runs again, on any worker. */
export function lostCall(message: string): DriverResponse {
  return { type: "error", error: { name: "ConnectWorkerLost", message }, retriable: true };
}

/**
 * The requests sent to one worker and not yet answered, each with its lease: the worker extends
 * it (WORKER_REQUEST_EXTEND_LEASE) while it runs the request; a request whose ack or lease lapses,
 * or whose socket closes, settles as a retriable error. Settling is once: a late reply is ignored.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, Call>();

  constructor(
    private readonly timings: InFlightTimings,
    private readonly label: string,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  ids(): string[] {
    return [...this.calls.keys()];
  }

  has(requestId: string): boolean {
    return this.calls.has(requestId);
  }

  /** Register a request about to be sent; answers its lease id and the promise of its outcome. */
  start(requestId: string): { leaseId: string; outcome: Promise<DriverResponse> } {
    const leaseId = ulid();
    const outcome = new Promise<DriverResponse>((resolve) => {
      const deadline = setTimeout(
        () => this.settle(requestId, lostCall(`worker ${this.label} did not acknowledge the request within ${this.timings.ackMs} ms`)),
        this.timings.ackMs,
      );
      const overall = setTimeout(
        () =>
          this.settle(requestId, {
            type: "error",
            error: {
              name: "Timeout",
              message: `worker ${this.label} did not answer within ${this.timings.callTimeoutMs} ms (the call timeout, --call-timeout)`,
            },
            retriable: true,
          }),
        this.timings.callTimeoutMs,
      );
      this.calls.set(requestId, { leaseId, acked: false, resolve, deadline, overall });
    });
    return { leaseId, outcome };
  }

  /** WORKER_REQUEST_ACK: the worker took the request; from now on its lease must be extended. */
  acknowledge(requestId: string): void {
    const call = this.calls.get(requestId);
    if (!call || call.acked) return;
    call.acked = true;
    this.renewDeadline(requestId, call);
  }

  /**
   * WORKER_REQUEST_EXTEND_LEASE: answers the new lease id, or undefined when the request is no
   * longer in flight (settled or given up: the worker is told its lease is lost). The lease id the
   * worker names is not compared: an extension may cross the previous one's ack on the wire.
   */
  extend(requestId: string): string | undefined {
    const call = this.calls.get(requestId);
    if (!call) return undefined;
    call.acked = true;
    call.leaseId = ulid();
    this.renewDeadline(requestId, call);
    return call.leaseId;
  }

  /** Settle a request once (a reply, or a failure); answers whether it was still in flight. */
  settle(requestId: string, res: DriverResponse): boolean {
    const call = this.calls.get(requestId);
    if (!call) return false;
    this.calls.delete(requestId);
    clearTimeout(call.deadline);
    clearTimeout(call.overall);
    call.resolve(res);
    return true;
  }

  /** The socket is gone: every request in flight fails, to be retried elsewhere. */
  failAll(reason: string): void {
    for (const id of this.ids()) this.settle(id, lostCall(`worker ${this.label} disconnected with the request in flight (${reason})`));
  }

  private renewDeadline(requestId: string, call: Call): void {
    clearTimeout(call.deadline);
    call.deadline = setTimeout(
      () => this.settle(requestId, lostCall(`worker ${this.label} did not extend the request's lease within ${this.timings.leaseMs} ms`)),
      this.timings.leaseMs,
    );
  }
}
