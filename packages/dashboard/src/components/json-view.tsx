/** A JSON value, pretty-printed and scrollable; keyboard users can focus it to scroll. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? "undefined" : JSON.stringify(value, null, 2);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1)
    // biome-ignore lint/a11y/useSemanticElements: it stays a <pre> (whitespace, code styling); role="region" gives its aria-label a role that supports one
    <pre className="json" role="region" tabIndex={0} aria-label={label}>
      {text}
    </pre>
  );
}
