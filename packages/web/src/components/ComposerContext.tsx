/**
 * Above a message box: the message being replied to or edited, with a button to cancel.
 * Shared by the plain box and the encrypted one.
 */
import { plainText } from "@private-chat/sdk";
import { Icon } from "./icons.js";

interface Props {
  editing: boolean;
  /** "Editing message", or who is replied to. */
  title: string;
  body: string;
  onCancel: () => void;
}

export function ComposerContext({ editing, title, body, onCancel }: Props) {
  return (
    <div class="composer-context">
      <Icon name={editing ? "edit" : "reply"} />
      <div class="context-text">
        <strong>{title}</strong>
        <span>{plainText(body)}</span>
      </div>
      <button
        type="button"
        class="icon-btn"
        aria-label={editing ? "Cancel editing" : "Cancel reply"}
        onClick={onCancel}
      >
        <Icon name="close" />
      </button>
    </div>
  );
}
