/**
 * backup passphrase: the same backup key wrapped under a new recovery passphrase (fresh
 * salt), replacing the wrapping on the server only if it is still the one read. The
 * chunks are sealed under the backup key, not the passphrase, so they all stay and open
 * with the new passphrase; the old one opens nothing any more.
 */
import { type ApiClient, ApiError, type KeyBackupView } from "@private-chat/sdk";
import { wrapBackupKey } from "@private-chat/sdk/mls";
import { CliError } from "../errors.js";

export async function changePassphrase(
  api: ApiClient,
  found: KeyBackupView,
  key: Uint8Array,
  passphrase: string,
): Promise<KeyBackupView> {
  const wrapped = await wrapBackupKey(key, passphrase);
  try {
    // If-Match: a change made meanwhile from another device (a passphrase, or a backup
    // removed and set up again under another key) is not overwritten with this one.
    return await api.keyBackup.replace(found.version, wrapped);
  } catch (err) {
    if (err instanceof ApiError && err.code === "precondition_failed")
      throw new CliError(
        "conflict",
        "another device changed or removed the key backup meanwhile; nothing was changed here: chat-client backup shows it now",
      );
    throw err;
  }
}
