import { useState, type FormEvent } from "react";
import { api, token } from "../api";

/** Production mode: ask for the API token, check it against the API, keep it for this tab. */
export function LoginForm({ onLoggedIn }: { onLoggedIn(): void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    token.set(value.trim());
    try {
      await api("/v1/functions");
      onLoggedIn();
    } catch {
      token.clear();
      setError("That token was refused.");
    }
  };
  return (
    <main className="login" id="main">
      <form onSubmit={(e) => void submit(e)} className="card">
        <h1>Weft</h1>
        <p>
          This server requires an API token (the one given to <code>weft start --api-token</code>).
        </p>
        <label>
          API token
          {/* biome-ignore lint/a11y/noAutofocus: the token field is the only control on this page; focusing it is what the user came for */}
          <input type="password" autoFocus autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
