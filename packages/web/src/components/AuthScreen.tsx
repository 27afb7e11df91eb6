/**
 * Sign in, or create an account (with an invite code when the server asks for one).
 */

import type { ServerInfo } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { signedIn } from "../state/live.js";
import { ProviderButtons, TerminalCode, useProviderReturn } from "./ProviderSignIn.js";

export function AuthScreen({ notice }: { notice: string | null }) {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [mode, setMode] = useState<"login" | "register">("login");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.serverInfo().then(setInfo, () => setInfo(null));
  }, []);
  const [terminalCode, setTerminalCode] = useState<string | null>(null);
  useProviderReturn(setError, setTerminalCode);

  const canRegister = info !== null && info.registration !== "closed";
  const registering = mode === "register" && canRegister;

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const field = (name: string) => String(form.get(name) ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      const auth = registering
        ? await api.register({
            username: field("username"),
            password: String(form.get("password") ?? ""),
            ...(field("display_name") ? { display_name: field("display_name") } : {}),
            ...(info?.registration === "invite" ? { invite_code: field("invite_code") } : {}),
          })
        : await api.login(field("username"), String(form.get("password") ?? ""));
      signedIn(auth);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  function switchTo(next: "login" | "register") {
    setMode(next);
    setError(null);
  }

  return (
    <main class="auth">
      <div class="auth-card">
        <div class="brand">
          <img src="./favicon.svg" alt="" width="40" height="40" />
          <h1>{info?.name ?? "Private Chat"}</h1>
        </div>
        <h2>{registering ? "Create your account" : "Sign in"}</h2>
        {terminalCode && <TerminalCode code={terminalCode} />}
        {notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} class="stack">
          <label>
            Username
            <input
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              required
              minLength={registering ? 3 : undefined}
              maxLength={32}
              pattern={registering ? "[A-Za-z0-9_.\\-]{3,32}" : undefined}
              title={registering ? "3–32 letters, digits, '_', '.' or '-'" : undefined}
            />
          </label>
          {registering && (
            <label>
              Display name <span class="hint">(optional)</span>
              <input name="display_name" autoComplete="nickname" maxLength={64} />
            </label>
          )}
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete={registering ? "new-password" : "current-password"}
              required
              minLength={registering ? 8 : undefined}
            />
          </label>
          {registering && info?.registration === "invite" && (
            <label>
              Invite code
              <input name="invite_code" autoComplete="off" required maxLength={256} />
            </label>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Please wait…" : registering ? "Create account" : "Sign in"}
          </button>
        </form>
        {!registering && <ProviderButtons providers={info?.sign_in_providers ?? []} />}
        {canRegister && (
          <p class="switch">
            {registering ? "Already have an account? " : "New here? "}
            <button
              type="button"
              class="link"
              onClick={() => switchTo(registering ? "login" : "register")}
            >
              {registering ? "Sign in" : "Create an account"}
            </button>
          </p>
        )}
      </div>
    </main>
  );
}
