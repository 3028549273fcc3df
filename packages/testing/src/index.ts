// Test helpers that several packages' tests share: one home, imported as `@weft/testing`
// (never by a relative path into another package's test/ folder). Private: never published.
export { dropSchemas, dropStaleSchemas, postgresReachable, postgresUrl, skipUnreachable, testSchema, withAdmin, withParam } from "./postgres-test-env.js";
export { deleteKeysWithPrefix, keysWithPrefix, uniquePrefix } from "./redis-cleanup.js";
export { redisBinariesPresent, redisReachable, testRedisUrl } from "./redis-gate.js";
export { freePorts, type RestartableRedis, startRedisCluster, startRedisNode, startRestartableRedis, type TestRedis } from "./redis-servers.js";
export { seededRandom } from "./seeded-random.js";
export { makeTestPki, type PemFile, type TestPki } from "./test-pki.js";
