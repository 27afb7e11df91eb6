/**
 * The composer's paper clip: a hidden file picker and the button that opens it, the same
 * in a plain conversation and an encrypted one (where `title` says the files are sealed).
 */
import { useRef } from "preact/hooks";
import { Icon } from "./icons.js";

export function AttachButton({
  off,
  title,
  onFiles,
}: {
  /** Why attaching is off now, or null. */
  off: string | null;
  title: string;
  onFiles: (files: FileList | readonly File[]) => void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        aria-label="Attach files"
        onChange={(e) => {
          onFiles(e.currentTarget.files ?? []);
          e.currentTarget.value = "";
        }}
      />
      <button
        type="button"
        class="icon-btn attach"
        aria-label="Attach files"
        title={off ?? title}
        disabled={off !== null}
        onClick={() => picker.current?.click()}
      >
        <Icon name="clip" />
      </button>
    </>
  );
}
