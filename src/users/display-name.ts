/**
 * The display name a new account is stored with, from registration, the admin API and
 * the admin CLI alike: normalised by the protocol's shared name rules (no bidi controls,
 * separators or hidden characters), the username when none is given, and refused when
 * what was given has nothing visible in it.
 */
import { INVISIBLE_NAME_MESSAGE, normaliseName } from "@private-chat/protocol/names";
import { AppError } from "../errors.js";

export const MAX_DISPLAY_NAME = 64;

export function storedDisplayName(raw: string | undefined, username: string): string {
  // Leaving it out, or giving only plain spaces, has always meant "use my username";
  // anything else with nothing visible in it is refused.
  if (raw === undefined || /^ *$/.test(raw)) return username;
  const name = normaliseName(raw);
  if (name === undefined) {
    throw new AppError("invalid_request", `the display name ${INVISIBLE_NAME_MESSAGE}`);
  }
  if (name.length > MAX_DISPLAY_NAME) {
    throw new AppError(
      "invalid_request",
      `a display name is at most ${MAX_DISPLAY_NAME} characters`,
    );
  }
  return name;
}
