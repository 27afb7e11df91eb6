/**
 * Terminal-safe text. Message bodies, names and titles come from other people; printed
 * raw, an escape sequence in them could move the cursor, recolour the screen, set the
 * window title or hide text. Everything user-supplied goes through here before printing.
 */

// Whole escape sequences go first, so that "\x1b[31mred" becomes "red" rather than
// "[31mred": CSI (7-bit and 8-bit), OSC/DCS/SOS/PM/APC strings up to their terminator,
// and the short two- or three-byte ESC sequences.
const ESCAPE_SEQUENCE = new RegExp(
  [
    "(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]",
    "(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d-\\u009f])[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)?",
    "\\u001b[ -/]*[0-~]",
  ].join("|"),
  "g",
);

// Remaining C0 and C1 controls and DEL, plus the bidirectional overrides, isolates and
// marks that can make text read differently from what it is ("Trojan Source"): the same
// bidi controls the server strips from names (@private-chat/protocol/names).
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/gu;
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029\u0085]/g;

function strip(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(CONTROL, "");
}

/** Names, titles and other one-line fields: line breaks and tabs become spaces. */
export function safeInline(text: string): string {
  return strip(text.replace(LINE_BREAK, " ").replace(/\t/g, " "));
}

/** A message body on one line: line breaks are shown as ↵ so each message stays one line. */
export function safeBody(text: string): string {
  return strip(text.replace(LINE_BREAK, " ↵ ").replace(/\t/g, "  "));
}

// JSON.stringify escapes C0 controls but not DEL, C1 or the bidi controls; escaping them
// too keeps --json output both valid JSON and inert on a terminal.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Cuts to at most `max` code points, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}
