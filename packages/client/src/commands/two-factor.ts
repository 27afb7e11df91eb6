/**
 * 2fa [setup|remove|recovery-codes]: the signed-in person's second factors. Setting up an
 * authenticator app shows its secret and otpauth:// address on standard error, asks for a code it
 * shows, and prints the recovery codes on standard output (one a line, so they can be
 * saved with a redirect). Each change asks for the password again. Passkeys are made in
 * the web app: a terminal has no authenticator to talk to.
 */
import type { TwoFactorStatus } from "@private-chat/sdk";
import { stringOption, type Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { Prompter } from "../prompt.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";
import { readPasswordFile } from "./auth.js";

async function passwordOf(values: Values, prompter: Prompter): Promise<string> {
  const file = stringOption(values, "password-file");
  if (file) return readPasswordFile(file);
  return (await prompter.secret("Password: ", "password")).replace(/\r$/, "");
}

function printStatus(io: Io, status: TwoFactorStatus): void {
  io.out(`authenticator app: ${status.totp ? "set up" : "not set up"}`);
  io.out(`recovery codes left: ${status.recovery_codes_left}`);
  if (status.passkeys.length === 0) io.out("passkeys: none");
  for (const p of status.passkeys) {
    const used = p.last_used_at === null ? "never used" : `used ${formatTime(p.last_used_at)}`;
    io.out(`passkey: ${safeInline(p.name)}  ${io.outStyle.dim(`${used}, id ${p.id}`)}`);
  }
  if (status.required_by !== null)
    io.out(`required by this server: set one up by ${formatTime(status.required_by)}`);
  else if (status.required) io.out("required by this server");
}

function printCodes(io: Io, values: Values, codes: string[]): void {
  if (values.json) {
    io.out(safeJson({ recovery_codes: codes }));
    return;
  }
  io.err("Recovery codes: each signs in once when the app is lost. Keep them safe:");
  for (const code of codes) io.out(code);
}

export async function twoFactor(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action] = positionals;
  const api = apiFor(await requireCredentials());
  if (action === undefined || action === "status") {
    const status = await api.twoFactor.status();
    if (values.json) io.out(safeJson(status, 2));
    else printStatus(io, status);
    return EXIT_OK;
  }
  const prompter = new Prompter();
  try {
    switch (action) {
      case "setup": {
        const started = await api.twoFactor.startTotp(await passwordOf(values, prompter));
        io.err("Type this secret into your authenticator app (or open the address on the phone):");
        io.err(`  ${started.secret}`);
        io.err(`  ${started.otpauth_uri}`);
        const code = await prompter.ask("Code the app shows: ", "code");
        if (code === "") throw new CliError("usage", "the code is empty");
        const added = await api.twoFactor.confirmTotp(code.replace(/\s/g, ""));
        io.err("the authenticator app is set up: sign-ins now ask for a code");
        if (added.recovery_codes) printCodes(io, values, added.recovery_codes);
        return EXIT_OK;
      }
      case "remove":
        await api.twoFactor.removeTotp(await passwordOf(values, prompter));
        io.out("removed the authenticator app");
        return EXIT_OK;
      case "recovery-codes":
        printCodes(
          io,
          values,
          await api.twoFactor.renewRecoveryCodes(await passwordOf(values, prompter)),
        );
        return EXIT_OK;
      default:
        throw usageError(`2fa: unknown action "${action}"; use setup, remove or recovery-codes`);
    }
  } finally {
    prompter.close();
  }
}
