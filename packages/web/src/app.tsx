/**
 * The app: the sign-in screen, or the chat shell once signed in.
 */
import { AuthScreen } from "./components/AuthScreen.js";
import { Shell } from "./components/Shell.js";
import { session } from "./state/live.js";
import { useStore } from "./state/store.js";

export function App() {
  const { user, notice } = useStore(session, (s) => s);
  return user ? <Shell /> : <AuthScreen notice={notice} />;
}
