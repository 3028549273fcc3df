import { createServer } from "node:http";
import { serve } from "@weft/sdk";
import { functions, weft } from "./index.js";

const port = Number(process.env.PORT ?? 3000);
const handler = serve({ client: weft, functions });

createServer((req, res) => {
  if (req.url?.startsWith("/api/inngest")) {
    void handler(req, res);
    return;
  }
  res.writeHead(404).end("not found");
}).listen(port, "127.0.0.1", () => {
  console.log(`activation-email app serving functions on http://127.0.0.1:${port}/api/inngest`);
});
