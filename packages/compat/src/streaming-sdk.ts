// An SDK under test whose express handler streams every answer (protocol §15): the SDK answers
// `201 Created` at once, writes keep-alive whitespace, then a JSON envelope with the real answer.
//
// How each version is told to stream (read from the SDKs' InngestCommHandler):
// - v4 takes `streaming: true` (or `INNGEST_STREAMING=true`; "allow"/"force" in the env still work
//   but are deprecated, and as serve options they are refused and streaming stays off).
// - v3 takes `streaming: "force"` (or the same value in `INNGEST_STREAMING`); "allow" streams only
//   on Vercel Edge and Cloudflare Pages, and `true` is refused.
// Neither checks anything in the server's request (only the `probe` query turns it off), so Weft
// needs to advertise nothing. Both stream only with handlers that can (express, node, next, …; not
// hono, where v4 answers 500 and v3 quietly does not stream).
import { serve as serveExpressV3 } from "inngest-v3/express";
import { serve as serveExpressV4 } from "inngest/express";
import type { ExpressHandler, HonoHandler, SdkUnderTest } from "./sdk-under-test.js";

export function streamingSdk(sdk: SdkUnderTest): SdkUnderTest {
  const expressHandler: SdkUnderTest["expressHandler"] = (client, fns) => {
    const options = sdk.serveOptions(client, fns) as object;
    const handler =
      sdk.major === 4
        ? serveExpressV4({ ...options, streaming: true } as Parameters<typeof serveExpressV4>[0])
        : serveExpressV3({ ...options, streaming: "force" } as Parameters<typeof serveExpressV3>[0]);
    return handler as unknown as ExpressHandler;
  };
  const honoHandler = (): HonoHandler => {
    throw new Error("the SDK's hono handler cannot stream; serve the streaming app with express");
  };
  return { ...sdk, label: `${sdk.label} (streaming)`, expressHandler, honoHandler };
}
