import { render } from "preact";
import { App } from "./app.js";
import { resume } from "./state/live.js";

resume();
const root = document.getElementById("app");
if (root) render(<App />, root);
