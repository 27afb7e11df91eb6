/**
 * The whole app for an account whose grace period for a second factor is over: the
 * server answers nothing but the set-up calls, so this screen offers those (and signing
 * out), and goes on to the chats once a factor is set up and its recovery codes seen.
 */
import { dayText } from "../../format.js";
import { finishEnrolment, signOut } from "../../state/live.js";
import { useStore } from "../../state/store.js";
import { twoFactor } from "../../state/two-factor.js";
import { TwoFactorSettings } from "./TwoFactorSettings.js";

export function EnrolmentScreen() {
  const { status, overdue } = useStore(twoFactor, (s) => s);
  return (
    <main class="page enrolment" aria-labelledby="enrolment-title">
      <div class="page-body">
        <h1 class="sr-only">Private Chat</h1>
        <h2 id="enrolment-title">Set up two-factor sign-in</h2>
        {overdue ? (
          <p>
            This server requires a second step at sign-in
            {status?.required_by ? ` since ${dayText(status.required_by)}` : ""}. Set up an
            authenticator app or a passkey to go on to your chats.
          </p>
        ) : (
          <p role="status">Two-factor sign-in is on. Save your recovery codes, then go on.</p>
        )}
        <TwoFactorSettings />
        <div class="admin-inline">
          {!overdue && (
            <button type="button" class="primary" onClick={finishEnrolment}>
              Go to your chats
            </button>
          )}
          <button type="button" class="danger-outline" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </div>
    </main>
  );
}
