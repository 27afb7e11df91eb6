/**
 * Sign in (a password, then a second factor when the account has one; or a passkey
 * alone), or create an account (with an invite code when the server asks for one).
 */

import { ApiError, type ServerInfo } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { answerWithPasskey, passkeysAvailable } from "../passkey-prompt.js";
import { signedIn } from "../state/live.js";
import { ProviderButtons, TerminalCode, useProviderReturn } from "./ProviderSignIn.js";
import { SecondFactorStep } from "./SecondFactorStep.js";

export function AuthScreen({ notice }: { notice: string | null }) {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [mode, setMode] = useState<"login" | "register">("login");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The password was right and the account has a second factor: the next step asks for it.
  const [factorFor, setFactorFor] = useState<{ username: string; password: string } | null>(null);

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
    const username = field("username");
    const password = String(form.get("password") ?? "");
    try {
      const auth = registering
        ? await api.register({
            username: field("username"),
            password: String(form.get("password") ?? ""),
            ...(field("display_name") ? { display_name: field("display_name") } : {}),
            ...(info?.registration === "invite" ? { invite_code: field("invite_code") } : {}),
          })
        : await api.login(username, password);
      signedIn(auth);
    } catch (err) {
      if (err instanceof ApiError && err.code === "second_factor_required")
        setFactorFor({ username, password });
      else setError(errorText(err));
      setBusy(false);
    }
  }

  async function signInWithPasskey() {
    setBusy(true);
    setError(null);
    try {
      signedIn(await api.passkeySignIn(await answerWithPasskey()));
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
        <h2>
          {registering ? "Create your account" : factorFor ? "Two-factor sign-in" : "Sign in"}
        </h2>
        {factorFor && (
          <SecondFactorStep
            {...factorFor}
            onSignedIn={signedIn}
            onBack={() => setFactorFor(null)}
          />
        )}
        {!factorFor && terminalCode && <TerminalCode code={terminalCode} />}
        {!factorFor && notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {/* Kept (hidden) during the second step, so "Back" finds what was typed. */}
        <form onSubmit={submit} class={factorFor ? "stack is-hidden" : "stack"}>
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
        {!registering && !factorFor && passkeysAvailable() && (
          <button type="button" disabled={busy} onClick={() => void signInWithPasskey()}>
            Use a passkey instead
          </button>
        )}
        {!registering && !factorFor && (
          <ProviderButtons providers={info?.sign_in_providers ?? []} />
        )}
        {canRegister && !factorFor && (
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
