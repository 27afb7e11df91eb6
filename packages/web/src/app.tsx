/**
 * The app: the sign-in screen, or the chat shell once signed in — or, for an account
 * past its grace period for a second factor, the screen that sets one up.
 */
import { AuthScreen } from "./components/AuthScreen.js";
import { Shell } from "./components/Shell.js";
import { EnrolmentScreen } from "./components/two-factor/EnrolmentScreen.js";
import { session } from "./state/live.js";
import { useStore } from "./state/store.js";
import { twoFactor } from "./state/two-factor.js";

export function App() {
  const { user, notice } = useStore(session, (s) => s);
  const enrolling = useStore(twoFactor, (s) => s.enrolling);
  if (!user) return <AuthScreen notice={notice} />;
  return enrolling ? <EnrolmentScreen /> : <Shell />;
}
