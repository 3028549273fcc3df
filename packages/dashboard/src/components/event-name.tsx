import { useEffect, useState } from "react";
import { cachedEvent } from "../api";

/** The name of a run's trigger event, looked up once per event (runs carry only its id). */
export function EventName({ id }: { id: string }) {
  const [name, setName] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void cachedEvent(id).then((e) => live && setName(e?.name ?? "(unknown event)"));
    return () => {
      live = false;
    };
  }, [id]);
  return <span className="mono">{name ?? "…"}</span>;
}
