import * as flow from "./flow-scripts.js";
import type { LuaScript } from "./lua-script.js";
import * as pause from "./pause-scripts.js";
import * as queue from "./queue-scripts.js";
import * as runState from "./run-state-scripts.js";

/** Every script of the package, defined on each client when it is made (before any command runs). */
export const allScripts: readonly LuaScript[] = [...Object.values(runState), ...Object.values(pause), ...Object.values(queue), ...Object.values(flow)];
