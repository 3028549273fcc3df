// Serve a request listener (e.g. `serve` from `inngest/node`) on a free loopback port, for tests
// that need an SDK client built with options the compat adapters do not model (middleware, logger).
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";

export async function serveListener(listener: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
