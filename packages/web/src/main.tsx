import { render } from "preact";
import { App } from "./app.js";
import { followVisibility } from "./notify.js";
import { syncPush } from "./push.js";
import { registerServiceWorker } from "./pwa.js";
import { resume, session } from "./state/live.js";

registerServiceWorker();
// Each sign-in: this session's socket learns whether the page is seen, and the server this
// browser's push subscription (it belongs to the session). Neither asks the person anything.
let signedInAs: string | null = null;
session.subscribe(() => {
  const user = session.get().user;
  if (user?.id === signedInAs) return;
  signedInAs = user?.id ?? null;
  if (!user) return;
  followVisibility();
  syncPush().catch((err: unknown) => console.warn("Notifications could not be renewed:", err));
});
resume();
const root = document.getElementById("app");
if (root) render(<App />, root);
