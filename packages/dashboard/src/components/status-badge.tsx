/** A run's or step's status as a coloured label; the text carries the meaning, not the colour alone. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {status}
    </span>
  );
}
