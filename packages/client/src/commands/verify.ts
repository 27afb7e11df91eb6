/**
 * verify <username> [--confirm] [--json]: the safety number to compare with a person
 * (docs/E2EE.md#verification), over every device of both, and which of their devices
 * are verified. `--confirm`, once the two numbers matched, marks their devices as they
 * are now verified; a device of theirs added later is not, and is told of (contacts.ts).
 */
import type { PublicDeviceView } from "@private-chat/sdk";
import { partyOf, safetyNumber, safetyNumberLines } from "@private-chat/sdk/mls";
import type { Values } from "../args.js";
import { contactOf, deviceChangeLine, markVerified, noteDevices } from "../contacts.js";
import { requireCredentials } from "../current-user.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import type { Io } from "../io.js";
import { findUser } from "../people.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function verify(values: Values, positionals: string[], io: Io): Promise<number> {
  const credentials = await requireCredentials();
  const me = credentials.user_id;
  const api = apiFor(credentials);
  const person = await findUser(api, positionals[0] ?? "");
  const who = `@${safeInline(person.username)}`;
  if (person.id === me)
    throw usageError("verify: compare safety numbers with someone else; devices lists your own");
  const [mine, theirs] = await Promise.all([api.devices.ofUser(me), api.devices.ofUser(person.id)]);
  if (mine.length === 0)
    throw new CliError(
      "no_device",
      "you have no device for end-to-end encryption yet: chat-client devices add makes this installation one",
    );
  if (theirs.length === 0)
    throw new CliError("no_device", `${who} has no device for end-to-end encryption yet`);
  const number = safetyNumber(partyOf(me, mine), partyOf(person.id, theirs));
  if (values.confirm === true) await markVerified(me, person.id, theirs);
  else {
    const change = await noteDevices(me, person.id, theirs);
    if (change) io.err(io.errStyle.bold(safeInline(deviceChangeLine(who, change))));
  }
  const verified = new Set(contactOf(me, person.id)?.verified ?? []);
  const mark = (d: PublicDeviceView) => verified.has(d.signature_key);

  if (values.json === true) {
    const device = (d: PublicDeviceView) => ({ id: d.id, name: d.name, verified: mark(d) });
    io.out(
      safeJson(
        {
          user: { id: person.id, username: person.username },
          safety_number: number,
          devices: theirs.map(device),
          your_devices: mine.map((d) => ({ id: d.id, name: d.name })),
        },
        2,
      ),
    );
    return EXIT_OK;
  }
  const style = io.outStyle;
  const line = (d: PublicDeviceView, state: string) =>
    `  ${d.id.slice(0, 8)}  ${safeInline(d.name).padEnd(24)}  ${state}`.trimEnd();
  io.out(`safety number with ${who}:`);
  for (const digits of safetyNumberLines(number)) io.out(`  ${style.bold(digits)}`);
  io.out(`${who}'s devices:`);
  for (const d of theirs) io.out(line(d, mark(d) ? "verified" : style.bold("not verified")));
  io.out("your devices:");
  for (const d of mine) io.out(line(d, ""));
  io.err(
    io.errStyle.dim(
      values.confirm === true
        ? `marked ${who}'s ${theirs.length} device${theirs.length === 1 ? "" : "s"} verified`
        : `compare it with ${who}'s, in person or on a call: equal numbers mean nobody, the server included, put a device between you; then run chat-client verify ${who} --confirm`,
    ),
  );
  return EXIT_OK;
}
