import { type ReactNode, useEffect, useState } from "react";
import { onAuthRequired, token } from "./api";
import { LoginForm } from "./components/login-form";
import { AppsPage } from "./pages/apps-page";
import { EventsPage } from "./pages/events-page";
import { FunctionPage } from "./pages/function-page";
import { MetricsPage } from "./pages/metrics-page";
import { RunPage } from "./pages/run-page";
import { RunsPage } from "./pages/runs-page";
import { Link, useLocation } from "./router";
import { useTheme, type ThemeChoice } from "./theme";

const nextTheme: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };

/** The shell: navigation, theme toggle, the `/` shortcut, the login gate, and the page for the URL. */
export function App() {
  const location = useLocation();
  const [theme, setTheme] = useTheme();
  const [needsLogin, setNeedsLogin] = useState(false);
  useEffect(() => onAuthRequired(() => setNeedsLogin(true)), []);

  useEffect(() => {
    // `/` jumps to the page's search box, as on GitHub; typing a `/` in a field still types it.
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || target?.closest("input, textarea, select, [contenteditable]")) return;
      const search = document.querySelector<HTMLInputElement>("[data-search]");
      if (search) {
        e.preventDefault();
        search.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (needsLogin) return <LoginForm onLoggedIn={() => setNeedsLogin(false)} />;

  const path = location.pathname;
  const section = path.startsWith("/events")
    ? "events"
    : path.startsWith("/apps") || path.startsWith("/functions/")
      ? "apps"
      : path.startsWith("/charts")
        ? "metrics"
        : "runs";
  let page: ReactNode;
  const run = /^\/runs\/([^/]+)$/.exec(path);
  const event = /^\/events\/([^/]+)$/.exec(path);
  const fn = /^\/functions\/([^/]+)$/.exec(path);
  if (run?.[1]) page = <RunPage key={run[1]} runId={decodeURIComponent(run[1])} />;
  else if (event?.[1] || path === "/events") page = <EventsPage eventId={event?.[1] ? decodeURIComponent(event[1]) : undefined} />;
  else if (path === "/apps") page = <AppsPage />;
  else if (path === "/charts") page = <MetricsPage />;
  else if (fn?.[1]) page = <FunctionPage key={fn[1]} functionId={decodeURIComponent(fn[1])} />;
  else page = <RunsPage />;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Weft
        </Link>
        <nav aria-label="Sections">
          <Link href="/" aria-current={section === "runs" ? "page" : undefined}>
            Runs
          </Link>
          <Link href="/events" aria-current={section === "events" ? "page" : undefined}>
            Events
          </Link>
          <Link href="/apps" aria-current={section === "apps" ? "page" : undefined}>
            Apps &amp; functions
          </Link>
          <Link href="/charts" aria-current={section === "metrics" ? "page" : undefined}>
            Metrics
          </Link>
        </nav>
        <span className="spacer" />
        {token.get() && (
          <button
            type="button"
            onClick={() => {
              token.clear();
              setNeedsLogin(true);
            }}
          >
            Sign out
          </button>
        )}
        <button type="button" className="theme-toggle" onClick={() => setTheme(nextTheme[theme])} aria-label={`Theme: ${theme}. Switch to ${nextTheme[theme]}`}>
          Theme: {theme}
        </button>
      </header>
      {page}
    </>
  );
}
