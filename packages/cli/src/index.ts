export { cancel, run, runs, send } from "./api-commands.js";
export { dev, start } from "./server-commands.js";
