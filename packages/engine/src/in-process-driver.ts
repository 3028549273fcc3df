import type { Driver, DriverRequest, DriverResponse } from "./driver.js";
import { interpret } from "./http-driver.js";

/** A serve handler as every framework adapter of an SDK exposes it (protocol requests as data). */
export type ProtocolHandler = (req: {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}) => Promise<{ status: number; headers: Record<string, string>; body: string }>;

/**
 * Embedded mode: calls the SDK's protocol handler in this process. Same requests, same responses,
 * same interpretation as over HTTP (so the same semantics and durability), without the network hop.
 */
export class InProcessDriver implements Driver {
  constructor(private readonly handler: ProtocolHandler) {}

  async call(req: DriverRequest): Promise<DriverResponse> {
    const url = `http://embedded/api/inngest?fnId=${encodeURIComponent(req.fn.id)}&stepId=${encodeURIComponent(req.stepId)}`;
    let res: Awaited<ReturnType<ProtocolHandler>>;
    try {
      res = await this.handler({
        method: "POST",
        url,
        headers: { "content-type": "application/json", "x-inngest-req-version": String(req.version) },
        body: req.body,
      });
    } catch (e) {
      return { type: "error", error: { name: "InProcessError", message: (e as Error).message }, retriable: true };
    }
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) lower[k.toLowerCase()] = v;
    return interpret(res.status, (name) => lower[name], res.body);
  }

  async close(): Promise<void> {}
}
