import type { ApiConnectWorker } from "@weft/core";
import type { ConnectWorkerRecord } from "@weft/store";

/** A Connect worker's presence record as the REST API shows it (`GET /v1/apps`). */
export function connectWorkerJson(w: ConnectWorkerRecord): ApiConnectWorker {
  return {
    connection_id: w.connectionId,
    apps: w.apps,
    instance_id: w.instanceId,
    sdk: w.sdk ?? null,
    gateway_id: w.gatewayId,
    status: w.status,
    max_concurrency: w.maxConcurrency ?? null,
    in_flight: w.inFlight,
    connected_at: new Date(w.connectedAt).toISOString(),
    last_heartbeat_at: new Date(w.lastHeartbeatAt).toISOString(),
  };
}
