/**
 * During the grace period of [auth] require_2fa: the date by which the account needs a
 * second factor, and the way to Settings, where it is set up. Gone once one is.
 */
import { dayText } from "../../format.js";
import { useStore } from "../../state/store.js";
import { dueDate, twoFactor } from "../../state/two-factor.js";

export function SecondFactorDue({ hidden }: { hidden: boolean }) {
  const due = useStore(twoFactor, (s) => dueDate(s.status));
  if (due === null || hidden) return null;
  return (
    <div class="notify-hint" role="note" aria-label="Two-factor sign-in reminder">
      <p>
        This server requires two-factor sign-in from {dayText(due)}.{" "}
        <a href="#/settings">Set it up in Settings</a>
      </p>
    </div>
  );
}
