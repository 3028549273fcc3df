import { MemoryRealtimeBus } from "@weft/store";
import { runRealtimeBusSuite } from "@weft/store-conformance";

// In one process, publisher and subscriber are the same bus.
runRealtimeBusSuite({
  name: "memory",
  create: async () => {
    const bus = new MemoryRealtimeBus();
    return { publisher: bus, subscriber: bus, close: () => bus.close() };
  },
});
