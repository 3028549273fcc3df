import { createHash } from "node:crypto";
import { expressionProblem, InvalidInputError, parseCron, type FunctionConfig, type RegisterRequest } from "@weft/core";
import type { FunctionRecord } from "@weft/store";
import { configExpressions } from "./config-expressions.js";
import type { EngineContext } from "./context.js";
import { overLimit, type Limits } from "./limits.js";

/** Check a register body (protocol §1.2) and name the first problem. */
export function validateRegister(body: unknown): RegisterRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new InvalidInputError("register body must be a JSON object");
  const b = body as Partial<RegisterRequest>;
  if (typeof b.appName !== "string" || b.appName === "") throw new InvalidInputError('register body needs a non-empty "appName"');
  if (typeof b.url !== "string" || !URL.canParse(b.url)) throw new InvalidInputError('register body needs the app\'s "url"');
  if (!Array.isArray(b.functions)) throw new InvalidInputError('register body needs a "functions" array');
  for (const [i, f] of b.functions.entries()) validateFunction(f, i);
  return b as RegisterRequest;
}

function validateFunction(f: unknown, i: number): asserts f is FunctionConfig {
  const where = `functions[${i}]`;
  if (f === null || typeof f !== "object") throw new InvalidInputError(`${where} must be an object`);
  const fn = f as Partial<FunctionConfig>;
  if (typeof fn.id !== "string" || fn.id === "") throw new InvalidInputError(`${where} needs an "id"`);
  if (!Array.isArray(fn.triggers) || fn.triggers.length === 0) throw new InvalidInputError(`${where} (${fn.id}) needs at least one trigger`);
  for (const t of fn.triggers as unknown[]) validateTrigger(t, `${where} (${fn.id})`);
  const cancel: unknown = fn.cancel ?? [];
  if (!Array.isArray(cancel)) throw new InvalidInputError(`${where} (${fn.id}) cancel must be a list`);
  for (const c of cancel) {
    if (!isObject(c) || typeof c.event !== "string" || c.event === "") {
      throw new InvalidInputError(`${where} (${fn.id}) cancel entries need an "event" name`);
    }
  }
  for (const { field, value } of configExpressions(fn as FunctionConfig)) checkExpression(value, `${where} (${fn.id}) ${field}`);
  const url = fn.steps?.step?.runtime?.url;
  if (typeof url !== "string" || !URL.canParse(url)) throw new InvalidInputError(`${where} (${fn.id}) needs steps.step.runtime.url`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function validateTrigger(t: unknown, where: string): void {
  if (isObject(t) && typeof t.event === "string" && t.event !== "") return;
  if (isObject(t) && typeof t.cron === "string") {
    try {
      parseCron(t.cron);
    } catch (e) {
      throw new InvalidInputError(`${where} trigger: ${(e as Error).message}`);
    }
    return;
  }
  throw new InvalidInputError(`${where} has a trigger with neither a non-empty "event" nor a "cron"`);
}

/**
 * Refuse an expression that does not compile, calls an unknown function or gives matches() an
 * invalid pattern now, rather than fail (or silently never match) at every event later.
 */
function checkExpression(expression: unknown, where: string): void {
  if (expression === undefined || expression === null || expression === "") return;
  if (typeof expression !== "string") throw new InvalidInputError(`${where}: expression must be a string`);
  const problem = expressionProblem(expression);
  if (problem) throw new InvalidInputError(`${where}: ${problem}`);
}

/** An in-band sync reply (protocol §1.3) in the shape of a `/fn/register` body. */
export function registerBodyFromInBand(reply: unknown, url: string): unknown {
  const r = (reply ?? {}) as { app_id?: unknown; url?: unknown; framework?: unknown; sdk?: unknown; appVersion?: unknown; functions?: unknown };
  return {
    appName: r.app_id,
    url: typeof r.url === "string" ? r.url : url,
    framework: r.framework,
    sdk: r.sdk,
    appVersion: r.appVersion,
    functions: r.functions,
  };
}

/**
 * A batch larger than the limit would be one run holding all its events: refuse the function at
 * sync time, naming it, rather than fail its runs later.
 */
function checkBatchLimit(req: RegisterRequest, limits: Limits): void {
  for (const fn of req.functions) {
    const size = (fn as { batchEvents?: { maxSize?: unknown } }).batchEvents?.maxSize;
    if (typeof size === "number" && size > limits.maxBatchEvents) {
      throw new InvalidInputError(`function ${fn.id}: batchEvents.maxSize ${size} is ${overLimit("maxBatchEvents", limits)}`);
    }
  }
}

/**
 * Store an app and its functions; functions missing from this sync are removed. A body identical to
 * the last one (same checksum) changes nothing. Answers whether anything changed.
 */
export async function registerApp(ctx: EngineContext, body: unknown): Promise<{ appId: string; modified: boolean }> {
  const req = validateRegister(body);
  checkBatchLimit(req, ctx.limits);
  const checksum = createHash("sha256").update(JSON.stringify(req)).digest("hex");
  const existing = await ctx.stores.registry.getApp(req.appName);
  const now = ctx.clock.now();
  const app = { id: req.appName, url: req.url, sdk: req.sdk, framework: req.framework, syncedAt: now, checksum };
  if (existing?.checksum === checksum && !existing.error) {
    await ctx.stores.registry.upsertApp(app);
    return { appId: req.appName, modified: false };
  }
  const functions: FunctionRecord[] = req.functions.map((config) => ({
    id: config.id,
    appId: req.appName,
    name: config.name ?? config.id,
    config,
  }));
  await ctx.stores.registry.replaceFunctions(req.appName, functions);
  await ctx.stores.registry.upsertApp(app);
  ctx.log.info(`app synced`, { appName: req.appName, functionIds: functions.map((f) => f.id) });
  return { appId: req.appName, modified: true };
}
