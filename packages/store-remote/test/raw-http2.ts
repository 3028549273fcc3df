import http2 from "node:http2";

/** One raw HTTP/2 request to a coordinator, for tests that look at the wire itself. */
export async function rawRequest(
  url: string,
  req: { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: unknown }> {
  const session = http2.connect(`http://${url.slice("weft://".length)}`);
  session.on("error", () => {});
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ":method": req.method, ":path": req.path, ...req.headers }, { endStream: req.body === undefined });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        status = Number(h[":status"]);
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown }));
      stream.on("error", reject);
      if (req.body !== undefined) stream.end(req.body);
    });
  } finally {
    session.close();
  }
}
