/**
 * The requests a worker is running (protocol §17): each is acknowledged (WORKER_REQUEST_ACK), its
 * lease extended every `extendLeaseMs` while it runs (WORKER_REQUEST_EXTEND_LEASE; an ack without
 * a new lease id means another worker may have it: the request is forgotten), and answered with
 * WORKER_REPLY. `idle()` is what a graceful close waits for.
 */
import { codecs, type ExecutorRequest, MessageKind, type SdkResponse } from "@weft/connect-protocol";
import type { Logger } from "../types.js";
import type { GatewaySocket } from "./gateway-socket.js";

export interface InFlightHooks {
  /** Run the request; answers its reply. */
  run(request: ExecutorRequest): Promise<SdkResponse>;
  /** The socket to send lease extensions and replies on now: the newest open one, if any. */
  current(): GatewaySocket | undefined;
  logger: Logger;
}

interface Running {
  request: ExecutorRequest;
  leaseId: string;
  extender: NodeJS.Timeout;
}

export class InFlightRequests {
  private readonly running = new Map<string, Running>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly hooks: InFlightHooks) {}

  get size(): number {
    return this.running.size;
  }

  /** Resolves once no request is running (at once when none is). */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A GATEWAY_EXECUTOR_REQUEST that came on `via`: acknowledge it, run it, reply. */
  async handle(request: ExecutorRequest, via: GatewaySocket): Promise<void> {
    const ids = { requestId: request.requestId, appId: request.appId, functionSlug: request.functionSlug, stepId: request.stepId, runId: request.runId };
    if (!via.send(MessageKind.WorkerRequestAck, codecs.requestAck.encode(ids))) return;
    const entry: Running = {
      request,
      leaseId: request.leaseId,
      extender: setInterval(() => this.extend(entry, via), via.extendLeaseMs),
    };
    this.running.set(request.requestId, entry);
    let reply: SdkResponse | undefined;
    try {
      reply = await this.hooks.run(request);
    } catch (err) {
      this.hooks.logger.warn(`Weft connect(): request ${request.requestId} of run ${request.runId} failed to execute`, err);
    } finally {
      clearInterval(entry.extender);
    }
    // Still ours (its lease was not lost): answer on the newest socket, or the one it came on.
    if (reply && this.running.get(request.requestId) === entry) {
      const socket = this.hooks.current() ?? via;
      if (!socket.send(MessageKind.WorkerReply, codecs.sdkResponse.encode(reply))) {
        // The server failed the call when the socket dropped and retries it; nothing to deliver it to.
        this.hooks.logger.warn(`Weft connect(): no open socket for the reply to request ${request.requestId} of run ${request.runId}; the server retries it`);
      }
    }
    this.forget(request.requestId, entry);
  }

  /** WORKER_REQUEST_EXTEND_LEASE_ACK: keep the new lease, or forget a request whose lease is lost. */
  leaseAcknowledged(payload: Uint8Array): void {
    const ack = codecs.extendLeaseAck.decode(payload);
    const entry = this.running.get(ack.requestId);
    if (!entry) return;
    if (ack.newLeaseId) {
      entry.leaseId = ack.newLeaseId;
      return;
    }
    this.hooks.logger.warn(
      `Weft connect(): the server did not renew the lease of request ${ack.requestId} (run ${entry.request.runId}); it may run elsewhere, and this result is dropped`,
    );
    clearInterval(entry.extender);
    this.forget(ack.requestId, entry);
  }

  private extend(entry: Running, via: GatewaySocket): void {
    const { request } = entry;
    const socket = this.hooks.current() ?? via;
    socket.send(
      MessageKind.WorkerRequestExtendLease,
      codecs.extendLease.encode({
        requestId: request.requestId,
        appId: request.appId,
        functionSlug: request.functionSlug,
        stepId: request.stepId,
        runId: request.runId,
        leaseId: entry.leaseId,
      }),
    );
  }

  private forget(requestId: string, entry: Running): void {
    if (this.running.get(requestId) !== entry) return;
    this.running.delete(requestId);
    if (this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
