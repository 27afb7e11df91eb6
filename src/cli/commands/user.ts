/**
 * `chat-server user create USERNAME [--admin] [--password-file FILE] [--display-name NAME]`.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hashPassword } from "../../auth/passwords.js";
import { validatePassword, validateUsername } from "../../auth/service.js";
import { configOption, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { withStore } from "../with-store.js";

const USAGE =
  "usage: chat-server user create USERNAME [--admin] [--password-file FILE] [--display-name NAME] [--config FILE]";

export async function userCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...configOption,
    admin: { type: "boolean" },
    "password-file": { type: "string" },
    "display-name": { type: "string" },
  });
  const [action, username] = positionals;
  if (action !== "create" || !username || positionals.length > 2) throw new UsageError(USAGE);
  validateUsername(username);
  const file = values["password-file"];
  const generated = file === undefined;
  const password = generated
    ? randomBytes(15).toString("base64url")
    : readFileSync(file, "utf8").replace(/\r?\n$/, "");
  validatePassword(password);
  const passwordHash = await hashPassword(password);
  const user = await withStore(values.config, (store) =>
    store.users.create({
      id: randomUUID(),
      username,
      displayName: values["display-name"] ?? username,
      passwordHash,
      admin: values.admin === true,
      now: Date.now(),
    }),
  );
  process.stdout.write(
    `created ${user.isAdmin ? "admin" : "user"} ${user.username} (id ${user.id})\n`,
  );
  if (generated) process.stdout.write(`password: ${password}\n`);
  return 0;
}

export const userCmd: Command = {
  name: "user",
  usage: [
    [
      "user create USERNAME [--admin] [--password-file FILE] [--display-name NAME]",
      "create an account (prints a generated password unless --password-file is given)",
    ],
  ],
  run: userCommand,
};
