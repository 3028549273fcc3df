import { InvalidInputError } from "@weft/core";

/** The keys of one run; all share the hash tag `{<runId>}`, so one script can touch them all. */
export interface RunKeys {
  /** Hash: `key`, `meta` (static metadata JSON), `events`, `status`, `version`, `force`, `endedAt`, `output`. */
  run: string;
  /** Hash: step id → stored output. */
  steps: string;
  /** List: step ids in save order. */
  stack: string;
  /** Set: step ids planned and not yet saved. */
  pending: string;
  /** Set: ids of the run's pauses (written by the pause store). */
  pauses: string;
}

/** The pause index of one (env, event name); all share the tag `{<env>:<event name>}`. */
export interface PauseIndexKeys {
  /** Set: ids of pauses with no match key. */
  any: string;
  /** Hash: match path → number of pauses indexed under it, so a lookup knows which paths to read. */
  paths: string;
  /** Set: ids of pauses whose match key is (path, value). */
  match(path: string, value: string): string;
}

/**
 * The queue's keys: one tag, `{<prefix>q}`, so every queue operation is one script on one slot. The
 * prefix is in the tag so that deployments sharing a cluster (one prefix each) put their queues on
 * different slots, and so possibly on different nodes.
 */
export interface QueueKeys {
  /** Every other queue key is this plus a suffix (the scripts derive them from it). */
  base: string;
  /** Pub/sub channel of enqueue and requeue wakeups (channels are not keys: no slot). */
  channel: string;
}

/** The flow-control keys of one flow key; all share the tag `{<key>}`. */
export interface FlowKeys {
  /** Sorted set: holder → when its slot expires (store clock, ms). */
  slots: string;
  /** String: the token bucket's theoretical arrival time (GCRA), exact (`%.17g`). */
  tat: string;
  /** Hash: `value`, `version`, `expiresAt`; only `version` once deleted, so it keeps counting. */
  reg: string;
}

/**
 * Where everything lives. Every key starts with the prefix, which may hold no braces: Redis Cluster
 * hashes only the text between the first `{` and the next `}`, so a brace in the prefix would
 * become every key's tag. Ids inside a tag are escaped (`%`, `{`, `}` and, between the two parts of
 * a pause tag, `:`), so any id gives a non-empty tag that is its own.
 */
export class KeyLayout {
  readonly prefix: string;

  constructor(prefix = "weft:") {
    if (/[{}]/.test(prefix)) throw new InvalidInputError(`key prefix "${prefix}" may not contain "{" or "}" (hash tags)`);
    this.prefix = prefix;
  }

  run(runId: string): RunKeys {
    const run = `${this.prefix}run:{${tag(runId)}}`;
    return { run, steps: `${run}:steps`, stack: `${run}:stack`, pending: `${run}:pending`, pauses: `${run}:pauses` };
  }

  /** String: `r:<runId>` while a run holds the key, `t:<until ms>` as a tombstone. */
  idempotency(key: string): string {
    return `${this.prefix}idem:{${tag(key)}}`;
  }

  /** String: the pause as JSON. Keyed by pause id alone, because `getPause(id)` knows nothing else. */
  pause(pauseId: string): string {
    return `${this.prefix}pause:{${tag(pauseId)}}`;
  }

  pauseIndex(env: string, eventName: string): PauseIndexKeys {
    const base = `${this.prefix}pauses:{${tagPart(env)}:${tagPart(eventName)}}`;
    return {
      any: `${base}:any`,
      paths: `${base}:paths`,
      // The path's length keeps (path, value) pairs apart whatever characters they hold.
      match: (path, value) => `${base}:match:${path.length}:${path}:${value}`,
    };
  }

  /**
   * Hash: `id` and `pause` (its JSON) of the pause holding an exclusive key in an env (a signal
   * name): one tag per (env, key), so a claim is one script on one slot.
   */
  /**
   * Set of every (env, event name) that has had a pause index, as JSON `[env, name]`: what
   * `countPauses` sums over. One tag of its own (prefixed like the queue's), never touched by a script
   * with other keys.
   */
  pauseIndexes(): string {
    return `${this.prefix}pause-indexes:{${tag(`${this.prefix}pi`)}}`;
  }

  pauseClaim(env: string, key: string): string {
    return `${this.prefix}claim:{${tagPart(env)}:${tagPart(key)}}`;
  }

  flow(key: string): FlowKeys {
    const base = `${this.prefix}flow:{${tag(key)}}`;
    return { slots: `${base}:slots`, tat: `${base}:tat`, reg: `${base}:reg` };
  }

  /**
   * String: a random id written when a store first opens and kept while Redis keeps its data. Found
   * missing after a reconnect, it says Redis restarted empty (`redis-durability.ts`).
   */
  epoch(): string {
    return `${this.prefix}epoch:{${tag(`${this.prefix}meta`)}}`;
  }

  queue(): QueueKeys {
    return { base: `${this.prefix}queue:{${tag(`${this.prefix}q`)}}`, channel: `${this.prefix}queue:wake` };
  }
}

function percentEscape(text: string, chars: RegExp): string {
  return text.replace(chars, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A whole tag from one id; the empty id becomes `%` (an empty `{}` would hash the whole key). */
function tag(id: string): string {
  return id === "" ? "%" : percentEscape(id, /[%{}]/g);
}

/** One part of a two-part tag: `:` is escaped too, so the parts cannot run into each other. */
function tagPart(text: string): string {
  return percentEscape(text, /[%{}:]/g);
}
