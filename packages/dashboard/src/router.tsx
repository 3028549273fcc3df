import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

/** The current location; changes on navigate() and on back/forward. */
export function useLocation(): URL {
  const [href, setHref] = useState(window.location.href);
  useEffect(() => {
    const update = () => setHref(window.location.href);
    window.addEventListener("popstate", update);
    window.addEventListener("weft:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("weft:navigate", update);
    };
  }, []);
  return new URL(href);
}

/** Go to `to` in-page; `state` rides along in the history entry (gone on reload or a shared link). */
export function navigate(to: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (opts.replace) history.replaceState(opts.state ?? null, "", to);
  else history.pushState(opts.state ?? null, "", to);
  window.dispatchEvent(new Event("weft:navigate"));
}

/** A real link (open in a new tab works) that navigates in-page on a plain click. */
export function Link({ href, onClick: onClickProp, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    onClickProp?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a {...props} href={href} onClick={onClick} />;
}
