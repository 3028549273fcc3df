import { MemoryHistoryStore, MemoryRegistryStore } from "@weft/store";
import type { StateBundle, StoreBundle } from "@weft/store";

/**
 * A whole bundle for a state backend (Redis, the layers, remote) that has no registry or history of
 * its own: those two in memory, as a deployment keeps them in its `--db`. `init` and `close` are the
 * state bundle's, called through it (so a bundle whose methods live on a prototype works too).
 */
export function withMemoryRegistryAndHistory(state: StateBundle): StoreBundle {
  return {
    state: state.state,
    pauses: state.pauses,
    queue: state.queue,
    flow: state.flow,
    registry: new MemoryRegistryStore(),
    history: new MemoryHistoryStore(),
    init: () => state.init(),
    close: () => state.close(),
  };
}
