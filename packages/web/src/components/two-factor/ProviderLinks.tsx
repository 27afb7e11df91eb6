/**
 * Settings' sign-in providers (shown when the server has any): which this account signs
 * in through, linking one (the password asked again, then a sign-in at the provider,
 * which comes back to #/settings/linked/<id> or #/settings/link-error/<code>/<message>)
 * and unlinking one.
 */
import type { ProviderLinkView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { toast } from "../../state/notices.js";
import { PasswordPrompt } from "./PasswordPrompt.js";

/** What the provider's return in the address says, read once and cleared. */
function takeReturn(): string | null {
  const linked = /^#\/settings\/linked\/([a-z0-9-]{1,32})$/.exec(location.hash);
  const failed = /^#\/settings\/link-error\/([a-z_]+)\/(.*)$/.exec(location.hash);
  if (!linked && !failed) return null;
  history.replaceState(null, "", `${location.pathname}${location.search}#/settings`);
  if (linked) return "linked";
  try {
    return decodeURIComponent(failed?.[2] ?? "");
  } catch {
    return "linking the account failed";
  }
}

export function ProviderLinks() {
  const [providers, setProviders] = useState<ProviderLinkView[] | null>(null);
  const [pending, setPending] = useState<{ id: string; unlink: boolean } | null>(null);
  const [said, setSaid] = useState<{ text: string; error: boolean } | null>(null);

  const load = () => api.providerLinks().then(setProviders, () => setProviders([]));
  useEffect(() => {
    const back = takeReturn();
    if (back) setSaid({ text: back === "linked" ? "Linked." : back, error: back !== "linked" });
    void load();
  }, []);

  async function confirm(form: FormData) {
    if (!pending) return;
    const password = String(form.get("password") ?? "");
    if (!pending.unlink) {
      location.assign(await api.startProviderLink(pending.id, password));
      return;
    }
    await api.removeProviderLink(pending.id, password);
    setPending(null);
    toast("Unlinked.");
    await load();
  }

  if (!providers || providers.length === 0) return null;
  return (
    <section class="card stack" aria-labelledby="providers-title">
      <h3 id="providers-title">Sign-in providers</h3>
      <p class="muted">
        Link your account to your organisation's sign-in, to sign in with it instead of a password.
      </p>
      {said && (
        <p class={said.error ? "error" : "muted"} role={said.error ? "alert" : "status"}>
          {said.text}
        </p>
      )}
      <ul class="sessions" aria-label="Sign-in providers">
        {providers.map((p) => (
          <li key={p.id}>
            <span class="strong">{p.name}</span>
            <span class="muted">
              {p.linked
                ? p.provider_only
                  ? "Linked: you sign in through it only"
                  : "Linked"
                : "Not linked"}
            </span>
            <button
              type="button"
              class={p.linked ? "danger-outline" : ""}
              onClick={() => setPending({ id: p.id, unlink: p.linked })}
            >
              {p.linked ? "Unlink" : "Link"}
              <span class="sr-only"> {p.name}</span>
            </button>
            {pending?.id === p.id && (
              <PasswordPrompt
                action={pending.unlink ? "Unlink" : "Continue"}
                danger={pending.unlink}
                onConfirm={confirm}
                onCancel={() => setPending(null)}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
