/** A new invite's code, shown this once. */
import { ShownOnce } from "../ShownOnce.js";

export function InviteCode({ code }: { code: string }) {
  return (
    <ShownOnce
      id="invite-code-title"
      title="Invite created"
      note="Share this code now: it will not be shown again."
      label="Invite code"
      thing="code"
      value={code}
    />
  );
}
