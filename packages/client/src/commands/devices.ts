/**
 * devices [add|rename|remove|share-history|receive-history]: this account's devices for
 * end-to-end encrypted conversations. `add` makes this installation one: its keys are made
 * here and kept in a 0600 file (device-file.ts), the public key registered, and a pool of
 * key packages uploaded so that others can add it to encrypted conversations. Sharing
 * history between them is in devices-history.ts.
 */
import type { ApiClient, DeviceView } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { addOwnDevice, deviceName, forgetOwnDevice, loadOwnDevice } from "../device-file.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";
import { receiveHistoryCommand, shareHistoryCommand } from "./devices-history.js";

/** The device a full id or a unique id prefix names. */
async function findDevice(api: ApiClient, given: string): Promise<DeviceView> {
  const devices = await api.devices.list();
  const exact = devices.find((d) => d.id === given);
  if (exact) return exact;
  const matches = devices.filter((d) => d.id.startsWith(given));
  if (matches.length === 1) return matches[0] as DeviceView;
  if (matches.length === 0)
    throw new CliError("not_found", `no device of yours has the id "${safeInline(given)}"`);
  throw new CliError(
    "ambiguous",
    `"${safeInline(given)}" starts the ids of ${matches.length} devices: ${matches.map((d) => d.id).join(", ")}`,
  );
}

function deviceLine(io: Io, d: DeviceView, own: string | undefined): string {
  const mark = d.id === own ? io.outStyle.bold(" (this device)") : "";
  const pool = `${d.unused_key_packages} key packages${d.has_last_resort ? "" : ", no last resort"}`;
  return `${d.id}  ${safeInline(d.name).padEnd(20)}${mark}  ${io.outStyle.dim(`added ${formatTime(d.created_at)}, seen ${formatTime(d.last_seen_at)}, ${pool}`)}`;
}

export async function devices(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, ...words] = positionals;
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const own = loadOwnDevice(credentials.user_id)?.keys.deviceId;
  if (values.conversation !== undefined && action !== "share-history")
    throw usageError("devices: --conversation goes with share-history only");
  switch (action) {
    case undefined: {
      const list = await api.devices.list();
      if (values.json) io.out(safeJson({ devices: list, this_device: own ?? null }, 2));
      else if (list.length === 0)
        io.err(io.errStyle.dim("no devices yet; chat-client devices add makes this one"));
      else for (const d of list) io.out(deviceLine(io, d, own));
      if (own && !values.json) {
        // Said where a person looks at their devices: history another one left for this.
        const waiting = (await api.historyShares.list(own)).length;
        if (waiting > 0)
          io.err(
            io.errStyle.bold(
              `history from another of your devices waits for this one (${waiting}): chat-client devices receive-history takes it`,
            ),
          );
      }
      return EXIT_OK;
    }
    case "add": {
      if (own)
        throw new CliError(
          "conflict",
          `this installation is your device ${own} already; chat-client devices lists it`,
        );
      const { device, path } = await addOwnDevice(api, credentials.user_id, deviceName(words));
      if (values.json) io.out(safeJson(device.view, 2));
      else {
        io.out(deviceLine(io, device.view, device.keys.deviceId));
        io.err(io.errStyle.dim(`its private keys are in ${path}, readable by you alone`));
      }
      return EXIT_OK;
    }
    case "rename": {
      const [id, ...name] = words;
      if (!id || name.length === 0) throw usageError("devices rename: give <device-id> <name>");
      const renamed = await api.devices.rename((await findDevice(api, id)).id, deviceName(name));
      io.out(values.json ? safeJson(renamed, 2) : deviceLine(io, renamed, own));
      return EXIT_OK;
    }
    case "remove": {
      const [id, extra] = words;
      if (!id || extra !== undefined) throw usageError("devices remove: give one <device-id>");
      const found = await findDevice(api, id);
      await api.devices.remove(found.id);
      // This installation's own: its keys can open nothing any more.
      const forgot = found.id === own && forgetOwnDevice(credentials.user_id);
      if (values.json) io.out(safeJson({ removed: found.id, keys_deleted: forgot }));
      else
        io.err(
          io.errStyle.dim(
            `removed ${safeInline(found.name)}${forgot ? "; its keys are deleted from this installation" : ""}`,
          ),
        );
      return EXIT_OK;
    }
    case "share-history":
      return shareHistoryCommand(values, words, io, {
        api,
        credentials,
        findDevice: (id) => findDevice(api, id),
      });
    case "receive-history":
      if (words.length > 0) throw usageError("devices receive-history: takes no arguments");
      return receiveHistoryCommand(values, api, credentials, io);
    default:
      throw usageError(
        `devices: unknown action "${safeInline(action)}"; add, rename, remove, share-history or receive-history`,
      );
  }
}
