import { render } from "preact";
import { App } from "./app.js";
import { registerServiceWorker } from "./pwa.js";
import { resume } from "./state/live.js";

registerServiceWorker();
resume();
const root = document.getElementById("app");
if (root) render(<App />, root);
