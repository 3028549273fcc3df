export { dev, send, runs, run, cancel } from "./commands.js";
