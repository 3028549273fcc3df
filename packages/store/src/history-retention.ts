/**
 * What the retention sweep (`--retention`) asks of a history store: bounded, indexed deletes that
 * any number of engine processes may run at once. Each call touches at most `limit` rows (or the
 * ids given), so a sweep is many short statements, never one long lock, and the store keeps
 * serving between them. Every delete is idempotent: a row already gone is simply not counted.
 *
 * Deliberately not here: deciding what is old (the engine passes the cutoffs) and run state (the
 * sweep deletes that through `RunStateStore.deleteRun`, before the history rows that find it).
 */
export interface HistoryRetention {
  /**
   * The ids of up to `limit` runs that ended before `endedBefore` (ms), oldest end first, through an
   * index on the end time. A run without an end (Running) is never among them.
   */
  endedRunsBefore(endedBefore: number, limit: number): Promise<string[]>;

  /**
   * Delete these runs and their timelines, skipping any that is Running (or unknown). A run's
   * timeline goes in the same statement or before the run, so no line outlives its run. Answers
   * how many runs this call deleted.
   */
  deleteRuns(runIds: string[]): Promise<number>;

  /**
   * Delete up to `limit` of the oldest events received before `receivedBefore` (ms), except every
   * event a Running run names as its trigger (`RunRecord.eventId`) and every event `hold` names
   * (received at or after `hold.since`). Answers how many it deleted.
   */
  deleteEventsBefore(receivedBefore: number, limit: number, hold?: EventHold): Promise<number>;
}

/** Events the sweep must keep a while longer: those of these names received at or after `since` (ms). */
export interface EventHold {
  names: string[];
  since: number;
}
