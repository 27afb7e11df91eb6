/**
 * Signing in through the organisation's OpenID Connect providers: a "Sign in with <name>"
 * link per provider, and the way back — the server returns the browser to
 * `#/oidc/<one-time code>` (exchanged here for the session),
 * `#/oidc-terminal/<code>` (a terminal client's sign-in: the code is shown, to paste
 * there) or `#/oidc-error/<code>/<message>` (shown on the sign-in page).
 */
import { useEffect } from "preact/hooks";
import { api, errorText } from "../api.js";
import { signedIn } from "../state/live.js";

export function ProviderButtons({ providers }: { providers: { id: string; name: string }[] }) {
  if (providers.length === 0) return null;
  return (
    <div class="stack providers">
      {providers.map((p) => (
        <a key={p.id} class="button" href={api.oidcStartUrl(p.id)}>
          Sign in with {p.name}
        </a>
      ))}
    </div>
  );
}

/** A terminal client's sign-in, finished here: the code its person pastes there. */
export function TerminalCode({ code }: { code: string }) {
  return (
    <div class="notice" role="status">
      <p>Signed in. Paste this code into the terminal where you ran chat-client login:</p>
      <p>
        <code class="terminal-code">{code}</code>
      </p>
      <p>It works once, within five minutes.</p>
    </div>
  );
}

/** Reads the provider's answer from the address once, and clears it from the history. */
export function useProviderReturn(
  onError: (message: string) => void,
  onTerminalCode: (code: string) => void,
): void {
  useEffect(() => {
    const hash = location.hash;
    const signedInWith = /^#\/oidc\/([A-Za-z0-9_-]{1,128})$/.exec(hash);
    const forTerminal = /^#\/oidc-terminal\/([A-Za-z0-9_-]{1,128})$/.exec(hash);
    const failed = /^#\/oidc-error\/([a-z_]+)\/(.*)$/.exec(hash);
    if (!signedInWith && !forTerminal && !failed) return;
    history.replaceState(null, "", `${location.pathname}${location.search}`);
    if (forTerminal) {
      onTerminalCode(forTerminal[1] ?? "");
      return;
    }
    if (failed) {
      onError(safeDecode(failed[2] ?? "") ?? "signing in through the provider failed");
      return;
    }
    api
      .oidcExchange(signedInWith?.[1] ?? "")
      .then(signedIn, (err: unknown) => onError(errorText(err)));
  }, []);
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
