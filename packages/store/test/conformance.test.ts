import { runStoreSuite } from "@weft/store-conformance";
import { createMemoryStores } from "@weft/store";

// The memory store is the reference: every invariant of the suite must hold here first.
runStoreSuite({
  name: "memory",
  create: async ({ clock }) => createMemoryStores({ clock }),
});
