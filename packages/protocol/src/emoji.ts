/**
 * What counts as a reaction: exactly one emoji, as Unicode defines emoji. Anything else
 * (words, several emoji, invisible or combining characters) would let one person fill a
 * message, and every member's screen, with arbitrary text.
 */

/** The most different reactions one person may leave on one message. */
export const MAX_REACTIONS_PER_PERSON = 20;
/** The most different reactions one message may carry, from everyone together. */
export const MAX_REACTIONS_PER_MESSAGE = 200;

// A fully-qualified emoji sequence (flags, keycaps, skin tones, ZWJ families), or one
// pictographic character with or without its emoji-presentation selector ("❤" and "❤️").
// The `v` flag is built at run time: a browser without it (Safari before 17) falls back
// to the single-character rule instead of failing to load the whole bundle.
let sequence: RegExp | null | undefined;
const PICTOGRAPH = /^\p{Extended_Pictographic}\uFE0F?$/u;

function emojiSequence(): RegExp | null {
  if (sequence === undefined) {
    try {
      // biome-ignore lint/complexity/useRegexLiterals: a literal with the v flag is a syntax error in older browsers.
      sequence = new RegExp("^\\p{RGI_Emoji}$", "v");
    } catch {
      sequence = null;
    }
  }
  return sequence;
}

/** Whether `text` is exactly one emoji. */
export function isReactionEmoji(text: string): boolean {
  if (text.length === 0 || text.length > 32) return false;
  return PICTOGRAPH.test(text) || (emojiSequence()?.test(text) ?? false);
}
