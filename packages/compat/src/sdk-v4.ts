// The official SDK, v4: triggers go in the options (`createFunction({ id, triggers }, handler)`),
// the signing key on the client, checkpointing on by default.
import { Inngest, NonRetriableError, RetryAfterError, StepError, referenceFunction, version } from "inngest";
import { serve as serveExpress } from "inngest/express";
import { serve as serveHono } from "inngest/hono";
import { recordingFetch, sdkLogger } from "./recording-fetch.js";
import type { ApiCall, CompatClient, CompatClientOptions, CompatFunction, SdkUnderTest, SendPayload } from "./sdk-under-test.js";

type InngestFunctionLike = Parameters<typeof serveExpress>[0]["functions"][number];

class V4Client implements CompatClient {
  readonly apiCalls: ApiCall[] = [];
  readonly inngest: Inngest;

  constructor(opts: CompatClientOptions) {
    this.inngest = new Inngest({
      id: opts.id,
      baseUrl: opts.baseUrl,
      isDev: opts.isDev ?? true,
      signingKey: opts.signingKey,
      eventKey: opts.eventKey,
      checkpointing: opts.checkpointing,
      fetch: recordingFetch(this.apiCalls),
      logger: sdkLogger(),
    });
  }

  get id(): string {
    return this.inngest.id;
  }

  createFunction(...[opts, triggers, handler]: Parameters<CompatClient["createFunction"]>): CompatFunction {
    // The handler is typed structurally (CompatContext); the SDK's context is a superset of it.
    const fn = this.inngest.createFunction({ ...opts, triggers } as never, handler as never);
    return fn as unknown as CompatFunction;
  }

  send(payload: SendPayload | SendPayload[]): Promise<{ ids: string[] }> {
    return this.inngest.send(payload);
  }
}

function v4(client: CompatClient): V4Client {
  if (!(client instanceof V4Client)) throw new Error("not an inngest v4 client");
  return client;
}

const functions = (fns: CompatFunction[]) => fns as unknown as InngestFunctionLike[];

export const inngestV4: SdkUnderTest = {
  label: `inngest@${version}`,
  major: 4,
  checkpointsByDefault: true,
  createClient: (opts) => new V4Client(opts),
  referenceFunction: (opts) => referenceFunction(opts) as unknown as CompatFunction,
  NonRetriableError,
  RetryAfterError,
  StepError,
  expressHandler: (client, fns) => serveExpress({ client: v4(client).inngest, functions: functions(fns) }),
  honoHandler: (client, fns) => serveHono({ client: v4(client).inngest, functions: functions(fns) }),
  serveOptions: (client, fns) => ({ client: v4(client).inngest, functions: functions(fns) }),
};
