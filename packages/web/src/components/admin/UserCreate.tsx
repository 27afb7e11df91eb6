/**
 * Creating an account from the console, for servers where registration is closed or
 * someone cannot register themselves. Without a password the server makes one up and
 * sends it this once, so it is shown right here to hand over.
 */
import type { AdminUserView } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { UserError, UserPassword, useUserAction } from "./UserAction.js";

export function UserCreate({ onCreated }: { onCreated: (user: AdminUserView) => void }) {
  const { busy, error, run } = useUserAction();
  const [created, setCreated] = useState<Awaited<ReturnType<typeof api.admin.createUser>> | null>(
    null,
  );

  function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const password = String(data.get("password") ?? "");
    void run(async () => {
      const result = await api.admin.createUser({
        username: text("username"),
        is_admin: data.get("is_admin") === "on",
        ...(text("display_name") ? { display_name: text("display_name") } : {}),
        ...(password ? { password } : {}),
      });
      form.reset();
      setCreated(result);
      onCreated(result.user);
    });
  }

  return (
    <form class="card stack" aria-labelledby="create-user-title" onSubmit={submit}>
      <h3 id="create-user-title">Create an account</h3>
      <label>
        Username
        <input name="username" required maxLength={32} autoComplete="off" spellcheck={false} />
      </label>
      <label>
        Display name (optional)
        <input name="display_name" maxLength={64} autoComplete="off" />
      </label>
      <label>
        Password (optional)
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          aria-describedby="create-user-password-hint"
        />
      </label>
      <p id="create-user-password-hint" class="hint">
        Left empty, the server generates one and shows it here once.
      </p>
      <label class="check">
        <input type="checkbox" name="is_admin" />
        Administrator
      </label>
      <UserError error={error} />
      <button type="submit" class="primary" disabled={busy}>
        Create account
      </button>
      {created && <p role="status">Created @{created.user.username}.</p>}
      {created?.password && (
        <UserPassword label={`Password for ${created.user.username}`} value={created.password} />
      )}
    </form>
  );
}
