export { cancel, functions, run, runs, send, signal } from "./api-commands.js";
export { dev, migrate, start } from "./server-commands.js";
