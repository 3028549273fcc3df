/** A Lua script run with EVALSHA (ioredis `defineCommand` loads it on a node's first NOSCRIPT). */
export interface LuaScript {
  /** Command name on the client; prefixed so it can never shadow a Redis command. */
  readonly name: `weft${string}`;
  readonly lua: string;
}
