export { cancel, functions, run, runs, send } from "./api-commands.js";
export { dev, migrate, start } from "./server-commands.js";
