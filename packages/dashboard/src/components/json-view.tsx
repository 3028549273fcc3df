/** A JSON value, pretty-printed and scrollable; keyboard users can focus it to scroll. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? "undefined" : JSON.stringify(value, null, 2);
  return (
    <pre className="json" tabIndex={0} aria-label={label}>
      {text}
    </pre>
  );
}
