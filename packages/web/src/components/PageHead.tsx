/** The heading of a full-pane page, with the way back to the conversation list. */
import { Icon } from "./icons.js";

export function PageHead({ id, title }: { id: string; title: string }) {
  return (
    <header class="page-head">
      <a class="icon-btn back" href="#/" aria-label="Back to conversations">
        <Icon name="back" />
      </a>
      <h2 id={id}>{title}</h2>
    </header>
  );
}
