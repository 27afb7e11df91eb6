/**
 * One-line labels other people see: display names, group titles, file names. A label
 * must read as what it is: no bidirectional controls that reorder it
 * ("invoice\u202Egpj.exe" shows as "invoiceexe.jpg"), no line or paragraph separators
 * that break it across lines, no control or format characters that hide text, and at
 * least one character that can actually be seen. The server normalises every name it
 * stores with `normaliseName`; the SDK, web app and terminal client use the same
 * function to show names stored before it existed.
 */

/** Why a name was refused; the server sends it with `invalid_request`. */
export const INVISIBLE_NAME_MESSAGE =
  "must contain at least one visible character (not only spaces, invisible, combining or control characters)";

// Any run of white space, line and paragraph separators (U+2028/U+2029, U+0085) and tabs
// included, reads as one space in a one-line label.
const WHITE_SPACE = /\p{White_Space}+/gu;

// Removed outright: C0/C1 controls (\p{Cc}); format characters (\p{Cf}), which are the
// bidi embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069,
// U+200E/U+200F, U+061C), zero-width space, word joiner, BOM, U+180E, invisible
// operators, tag characters and soft hyphen; and the Hangul fillers, letters that draw
// nothing. Zero-width joiner and non-joiner (U+200D/U+200C) stay: emoji sequences and
// several scripts need them.
const HIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\u115f\u1160\u3164\uffa0]/gu;

// Characters that draw nothing on their own: spaces, default-ignorables (joiners,
// variation selectors, fillers), combining marks with no base, and the blank braille
// pattern. A name made only of these is refused.
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]*$/u;

// Joiners next to a space or an end join nothing. (No lookbehind: older browsers run this.)
const JOINERS_BY_SPACE = / ?(?:\u200c|\u200d)+ ?/g;
const JOINERS_AT_ENDS = /^(?:\u200c|\u200d)+|(?:\u200c|\u200d)+$/g;

/**
 * The label as it should be stored and shown: NFC, hidden characters removed, white
 * space collapsed to single spaces and trimmed. Empty when nothing visible remains.
 */
export function cleanName(raw: string): string {
  const cleaned = raw
    .normalize("NFC")
    .replace(WHITE_SPACE, " ")
    .replace(HIDDEN, "")
    .replace(JOINERS_BY_SPACE, (run) => (run.includes(" ") ? " " : run))
    .replace(/ {2,}/g, " ")
    .trim()
    .replace(JOINERS_AT_ENDS, "");
  return INVISIBLE.test(cleaned) ? "" : cleaned;
}

/** Whether `raw` has at least one visible character once cleaned. */
export function isVisibleName(raw: string): boolean {
  return cleanName(raw) !== "";
}

/**
 * A name to store: the cleaned label, or `undefined` when the name is empty or made only
 * of invisible characters (the caller refuses it with INVISIBLE_NAME_MESSAGE).
 */
export function normaliseName(raw: string): string | undefined {
  const clean = cleanName(raw);
  return clean === "" ? undefined : clean;
}

/** A stored name to show: cleaned, or `fallback` when nothing visible remains. */
export function showName(raw: string, fallback: string): string {
  return cleanName(raw) || fallback;
}
