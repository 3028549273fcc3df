import { defineConfig } from "vite";

// No React plugin: Vite 8's built-in Oxc transform compiles TSX with the automatic runtime, which
// is all a production build needs (fast refresh is a dev-server nicety we do without).
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  server: {
    // `npx vite` in this folder proxies the API to a running `weft dev`.
    proxy: { "/v1": "http://127.0.0.1:8288", "/e": "http://127.0.0.1:8288" },
  },
});
