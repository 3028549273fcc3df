// The official SDK, v3: triggers are the second argument (`createFunction({ id }, trigger,
// handler)`), the signing key goes to `serve`, checkpointing is opt-in.
import { Inngest, NonRetriableError, RetryAfterError, StepError, referenceFunction, version } from "inngest-v3";
import { serve as serveExpress } from "inngest-v3/express";
import { serve as serveHono } from "inngest-v3/hono";
import { recordingFetch, sdkLogger } from "./recording-fetch.js";
import type { ApiCall, CompatClient, CompatClientOptions, CompatFunction, SdkUnderTest, SendPayload } from "./sdk-under-test.js";

type InngestFunctionLike = Parameters<typeof serveExpress>[0]["functions"][number];

class V3Client implements CompatClient {
  readonly apiCalls: ApiCall[] = [];
  readonly inngest: Inngest;
  readonly signingKey: string | undefined;
  readonly fetch: typeof fetch;

  constructor(opts: CompatClientOptions) {
    this.signingKey = opts.signingKey;
    this.fetch = recordingFetch(this.apiCalls);
    this.inngest = new Inngest({
      id: opts.id,
      baseUrl: opts.baseUrl,
      isDev: opts.isDev ?? true,
      eventKey: opts.eventKey,
      checkpointing: opts.checkpointing,
      fetch: this.fetch,
      logger: sdkLogger(),
    });
  }

  get id(): string {
    return this.inngest.id;
  }

  createFunction(...[opts, triggers, handler]: Parameters<CompatClient["createFunction"]>): CompatFunction {
    // The handler is typed structurally (CompatContext); the SDK's context is a superset of it.
    const fn = this.inngest.createFunction(opts as never, triggers as never, handler as never);
    return fn as unknown as CompatFunction;
  }

  send(payload: SendPayload | SendPayload[]): Promise<{ ids: string[] }> {
    return this.inngest.send(payload);
  }
}

function v3(client: CompatClient): V3Client {
  if (!(client instanceof V3Client)) throw new Error("not an inngest v3 client");
  return client;
}

const serveOptions = (client: CompatClient, fns: CompatFunction[]) => {
  const c = v3(client);
  // v3's hono adapter registers with the global fetch unless serve is given one.
  return { client: c.inngest, functions: fns as unknown as InngestFunctionLike[], signingKey: c.signingKey, fetch: c.fetch };
};

export const inngestV3: SdkUnderTest = {
  label: `inngest@${version}`,
  major: 3,
  checkpointsByDefault: false,
  createClient: (opts) => new V3Client(opts),
  referenceFunction: (opts) => referenceFunction(opts) as unknown as CompatFunction,
  NonRetriableError,
  RetryAfterError,
  StepError,
  expressHandler: (client, fns) => serveExpress(serveOptions(client, fns)),
  honoHandler: (client, fns) => serveHono(serveOptions(client, fns)),
  serveOptions,
};
