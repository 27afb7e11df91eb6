/**
 * backup [set-up|restore|passphrase|remove]: the key backup of end-to-end encrypted
 * conversations (docs/E2EE.md, "History on a new device"). `set-up` makes a backup key
 * on this installation, stores it on the server wrapped under a recovery passphrase, and
 * uploads the history this device holds; `restore`, on a new installation, opens the
 * backup with the passphrase and fills in the messages sent before it joined;
 * `passphrase` wraps the same key under a new passphrase. From then on, `send`, `tail`
 * and interactive mode keep the backup up to date.
 */
import {
  type ApiClient,
  ApiError,
  type KeyBackupView,
  PASSPHRASE_MIN_CHARS,
} from "@private-chat/sdk";
import {
  BackupKeyRefused,
  newBackupKey,
  passphraseChars,
  toBase64Url,
  unwrapBackupKey,
  wrapBackupKey,
} from "@private-chat/sdk/mls";
import { stringOption, type Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { ownDevice } from "../encrypted-chat.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import {
  backupKeyHere,
  forgetBackupKey,
  keepBackupKey,
  type UploadResult,
  uploadHistory,
  withBackupLock,
} from "../history-backup.js";
import { restoreHistory } from "../history-restore.js";
import type { Io } from "../io.js";
import { Prompter } from "../prompt.js";
import { safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";
import { readPasswordFile } from "./auth.js";
import { changePassphrase } from "./backup-passphrase.js";

/** Where a passphrase comes from: its file option, and the prompt that asks for it. */
interface PassphraseSource {
  option: string;
  label: string;
}

const CURRENT: PassphraseSource = { option: "passphrase-file", label: "Recovery passphrase" };
const NEW: PassphraseSource = { option: "new-passphrase-file", label: "New recovery passphrase" };

/** The passphrase from its file option, or asked for (twice when it is a new one). */
async function passphraseOf(
  values: Values,
  prompter: Prompter,
  isNew: boolean,
  source: PassphraseSource = CURRENT,
): Promise<string> {
  const file = stringOption(values, source.option);
  const passphrase = file
    ? readPasswordFile(file)
    : (await prompter.secret(`${source.label}: `, "passphrase")).replace(/\r$/, "");
  // Counted as the SDK hashes it (NFKC), which is where it is normalised, once.
  if (isNew && passphraseChars(passphrase) < PASSPHRASE_MIN_CHARS)
    throw new CliError(
      "invalid_request",
      `a recovery passphrase has at least ${PASSPHRASE_MIN_CHARS} characters`,
    );
  if (isNew && !file && prompter.interactive) {
    const again = await prompter.secret(`${source.label} (again): `, "passphrase");
    if (again !== passphrase) throw new CliError("usage", "the passphrases do not match");
  }
  if (passphrase === "") throw new CliError("usage", "no passphrase given");
  return passphrase;
}

/** The backup key, or `refused` when the passphrase does not open the backup. */
async function openedKey(found: KeyBackupView, passphrase: string): Promise<Uint8Array> {
  return unwrapBackupKey(found, passphrase).catch((err: unknown) => {
    if (err instanceof BackupKeyRefused) throw new CliError("refused", err.message);
    throw err;
  });
}

/** A backup there already, found before asking or by the create-only PUT (a race). */
function alreadyThere(): CliError {
  return new CliError(
    "conflict",
    "you have a key backup already: chat-client backup restore opens it here, or chat-client backup remove removes it first",
  );
}

async function existing(api: ApiClient): Promise<KeyBackupView> {
  const backup = await api.keyBackup.get();
  if (!backup)
    throw new CliError("not_found", "you have no key backup: chat-client backup set-up makes one");
  return backup;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function statusLines(backup: KeyBackupView | undefined, here: boolean): string[] {
  if (!backup) return ["no key backup: chat-client backup set-up makes one"];
  return [
    `key backup set up ${formatTime(backup.created_at)}: ${plural(backup.chunks, "chunk")}, ${plural(backup.bytes, "byte")}`,
    here
      ? "this installation holds its key and keeps it up to date"
      : "this installation does not hold its key: chat-client backup restore opens it here",
  ];
}

function uploadLine(uploaded: UploadResult): string {
  const left =
    uploaded.leftOut > 0
      ? `; ${plural(uploaded.leftOut, "message")} too long for a chunk left out`
      : "";
  return `uploaded ${plural(uploaded.uploaded, "chunk")} of this device's history${left}`;
}

export async function backup(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, extra] = positionals;
  if (extra !== undefined) throw usageError(`backup ${action}: unexpected argument "${extra}"`);
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const userId = credentials.user_id;
  const say = (line: string) => (values.json ? io.err(line) : io.out(line));
  if (action === undefined) {
    const found = await api.keyBackup.get();
    const here = backupKeyHere(userId) !== undefined;
    if (values.json) io.out(safeJson({ backup: found ?? null, key_here: here }, 2));
    else for (const line of statusLines(found, here)) io.out(line);
    return EXIT_OK;
  }
  if (action === "remove") {
    await existing(api);
    await api.keyBackup.remove();
    await withBackupLock(userId, async () => forgetBackupKey(userId));
    say("removed the key backup: its key and every chunk of history are gone from the server");
    if (values.json) io.out(safeJson({ removed: true }));
    return EXIT_OK;
  }
  const prompter = new Prompter();
  try {
    switch (action) {
      case "set-up": {
        if (await api.keyBackup.get()) throw alreadyThere();
        const passphrase = await passphraseOf(values, prompter, true);
        const device = await ownDevice(api, userId, io);
        const key = newBackupKey();
        // Create-only: another device setting up at the same moment keeps its key, and
        // this one says so instead of replacing it (its chunks would no longer open).
        const created = await api.keyBackup
          .create(await wrapBackupKey(key, passphrase))
          .catch((err: unknown) => {
            if (err instanceof ApiError && err.code === "precondition_failed") throw alreadyThere();
            throw err;
          });
        await withBackupLock(userId, async () => keepBackupKey(userId, key));
        const uploaded = await uploadHistory(api, userId, device.keys.deviceId);
        say("key backup set up: keep the passphrase safe, nobody can recover it");
        say(uploadLine(uploaded));
        if (values.json) io.out(safeJson({ backup: created, ...uploaded }, 2));
        return EXIT_OK;
      }
      case "restore": {
        const found = await existing(api);
        const key = await openedKey(found, await passphraseOf(values, prompter, false));
        const device = await ownDevice(api, userId, io);
        // A key kept here from a backup removed since is replaced, with what it uploaded.
        await withBackupLock(userId, async () => {
          const here = backupKeyHere(userId);
          if (!here || toBase64Url(here) !== toBase64Url(key)) keepBackupKey(userId, key);
        });
        const restored = await restoreHistory(api, userId, key, io);
        say(
          `restored ${plural(restored.messages, "message")} in ${plural(restored.conversations, "conversation")} from ${plural(restored.chunks, "chunk")}`,
        );
        for (const [id, why] of Object.entries(restored.skipped))
          say(`not restored: conversation ${id}: ${why}`);
        if (restored.damaged > 0) say(`${restored.damaged} chunks did not open and were skipped`);
        const uploaded = await uploadHistory(api, userId, device.keys.deviceId);
        if (values.json) io.out(safeJson({ ...restored, uploaded: uploaded.uploaded }, 2));
        return EXIT_OK;
      }
      case "passphrase": {
        const found = await existing(api);
        const key = await openedKey(found, await passphraseOf(values, prompter, false));
        const changed = await changePassphrase(
          api,
          found,
          key,
          await passphraseOf(values, prompter, true, NEW),
        );
        say("the recovery passphrase is changed: the backup opens with the new one only");
        if (values.json) io.out(safeJson({ backup: changed }, 2));
        return EXIT_OK;
      }
      default:
        throw usageError(`backup: unknown action "${action}"`);
    }
  } finally {
    prompter.close();
  }
}
