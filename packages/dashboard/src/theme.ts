import { useEffect, useState } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const key = "weft-theme";

/**
 * The colour theme: the system's (`prefers-color-scheme`) unless the user picked one. The choice
 * is an attribute on <html> that the CSS variables key on, and is remembered across visits.
 */
export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(() => (localStorage.getItem(key) as ThemeChoice | null) ?? "system");
  useEffect(() => {
    if (choice === "system") {
      document.documentElement.removeAttribute("data-theme");
      localStorage.removeItem(key);
    } else {
      document.documentElement.setAttribute("data-theme", choice);
      localStorage.setItem(key, choice);
    }
  }, [choice]);
  return [choice, setChoice];
}
