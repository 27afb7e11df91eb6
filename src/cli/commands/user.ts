/**
 * `chat-server user create|list|disable|enable|reset-password|reset-2fa|link-directory|delete|promote|demote`: account
 * administration from the server's machine. Changes are written to the database with an
 * audit row (actor "cli"); a running server notices them when it rechecks sessions.
 */
import { readFileSync } from "node:fs";
import { type AdminActor, CLI_ACTOR } from "../../admin/actors.js";
import { presentAdminUser } from "../../admin/present.js";
import { AdminService } from "../../admin/service.js";
import { formatInstant, formatJson, formatTable } from "../../admin/terminal.js";
import type { Config } from "../../config/schema.js";
import { DomainEvents } from "../../events/bus.js";
import { linkToDirectory } from "../../ldap/link.js";
import { eraseDeletedAccounts } from "../../messages/account-erasure.js";
import type { Store } from "../../storage/store.js";
import type { User } from "../../storage/users.js";
import { deleteAccount } from "../../users/account-deletion.js";
import { configFlag, type FlagValues, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

const USAGE = COMMAND_USAGE.user;

const OPTIONS = {
  ...configFlag,
  admin: { description: "create the account as an administrator" },
  "password-file": {
    value: "FILE",
    description: "file whose first line is the password (otherwise one is generated and printed)",
  },
  "display-name": { value: "NAME", description: "the name others see (1 to 64 characters)" },
  json: { description: "print the list as JSON" },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = FlagValues<typeof OPTIONS>;

interface Action {
  /** Options the action takes besides --config. */
  options: OptionName[];
  /** Positionals after the action: exactly this many, or up to it when `optional`. */
  operands: number;
  optional?: boolean;
  run(
    admin: AdminService,
    operand: string | undefined,
    values: Values,
    context: { store: Store; config: Config },
  ): Promise<void>;
}

/** The one usage line for an action, or the list of actions. */
function usageOf(action: string | undefined): string {
  const line = USAGE.find(([usage]) => usage.split(" ")[1] === action);
  return line
    ? `usage: chat-server ${line[0]} [--config FILE]`
    : `usage: chat-server user ${Object.keys(ACTIONS).join("|")} ...; see chat-server --help`;
}

function readPasswordFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    throw new UsageError(
      `cannot read --password-file ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

function write(text: string): void {
  process.stdout.write(text);
}

/** Warns when the change left no enabled administrator (allowed from the CLI, on purpose). */
async function warnIfNoAdminLeft(admin: AdminService): Promise<void> {
  const users = await admin.listUsers();
  if (!users.some((u) => u.isAdmin && !u.disabled)) {
    process.stderr.write(
      "note: no enabled administrator is left; `chat-server user promote USERNAME` makes one\n",
    );
  }
}

function userTable(users: User[]): string {
  return formatTable(
    ["username", "id", "admin", "disabled", "created", "last seen"],
    users.map((u) => [
      u.username,
      u.id,
      u.isAdmin ? "yes" : "no",
      u.disabled ? "yes" : "no",
      formatInstant(u.createdAt),
      formatInstant(u.lastSeenAt),
    ]),
  );
}

const ACTIONS: Record<string, Action> = {
  create: {
    options: ["admin", "password-file", "display-name"],
    operands: 1,
    async run(admin, username, values) {
      const password = readPasswordFile(values["password-file"]);
      const displayName = values["display-name"];
      if (
        displayName !== undefined &&
        (displayName.trim() === "" || [...displayName].length > 64)
      ) {
        throw new UsageError("--display-name takes 1 to 64 characters");
      }
      const created = await admin.createUser(CLI_ACTOR, {
        username: username ?? "",
        admin: values.admin === true,
        ...(password !== undefined ? { password } : {}),
        ...(displayName !== undefined ? { displayName } : {}),
      });
      const { user } = created;
      write(`created ${user.isAdmin ? "admin" : "user"} ${user.username} (id ${user.id})\n`);
      if (created.generatedPassword) write(`password: ${created.generatedPassword}\n`);
    },
  },
  list: {
    options: ["json"],
    operands: 1,
    optional: true,
    async run(admin, prefix, values) {
      const users = await admin.listUsers(prefix ? { prefix } : {});
      write(values.json ? formatJson({ users: users.map(presentAdminUser) }) : userTable(users));
    },
  },
  disable: {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      const update = await admin.updateUser(CLI_ACTOR, user.id, { disabled: true });
      if (update.actions.length === 0) write(`${user.username} was already disabled\n`);
      else {
        write(`disabled ${user.username}; ended ${update.sessionsEnded} session(s)\n`);
        if (user.isAdmin) await warnIfNoAdminLeft(admin);
      }
    },
  },
  enable: {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      const update = await admin.updateUser(CLI_ACTOR, user.id, { disabled: false });
      write(
        update.actions.length === 0
          ? `${user.username} was not disabled\n`
          : `enabled ${user.username}\n`,
      );
    },
  },
  "reset-password": {
    options: ["password-file"],
    operands: 1,
    async run(admin, ref, values) {
      const password = readPasswordFile(values["password-file"]);
      const user = await admin.findUser(ref ?? "");
      const reset = await admin.resetPassword(CLI_ACTOR, user.id, password);
      write(`reset the password of ${user.username}; ended ${reset.sessionsEnded} session(s)\n`);
      if (password === undefined) write(`password: ${reset.password}\n`);
    },
  },
  "reset-2fa": {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      await admin.resetTwoFactor(CLI_ACTOR, user.id);
      write(
        `removed the second factors of ${user.username}; they sign in with their password and set up new ones\n`,
      );
    },
  },
  "link-directory": {
    options: [],
    operands: 1,
    async run(admin, ref, _values, { store, config }) {
      const user = await admin.findUser(ref ?? "");
      const entry = await linkToDirectory(store, config.ldap, user, CLI_ACTOR);
      write(`linked ${user.username} to ${entry.dn}; it signs in with its directory password\n`);
    },
  },
  promote: {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      const update = await admin.updateUser(CLI_ACTOR, user.id, { isAdmin: true });
      write(
        update.actions.length === 0
          ? `${user.username} already is an admin\n`
          : `${user.username} is now an admin\n`,
      );
    },
  },
  delete: {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      const deleted = await admin.deleteUser(CLI_ACTOR, user.id);
      write(
        `deleted ${user.username} (id ${user.id}); ended ${deleted.sessionsEnded} session(s); messages ${deleted.mode === "erase" ? "erased" : "kept as a deleted user's"}\n`,
      );
      if (user.isAdmin) await warnIfNoAdminLeft(admin);
    },
  },
  demote: {
    options: [],
    operands: 1,
    async run(admin, ref) {
      const user = await admin.findUser(ref ?? "");
      const update = await admin.updateUser(CLI_ACTOR, user.id, { isAdmin: false });
      if (update.actions.length === 0) write(`${user.username} was not an admin\n`);
      else {
        write(`${user.username} is no longer an admin\n`);
        await warnIfNoAdminLeft(admin);
      }
    },
  },
};

export async function userCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [name, ...operands] = positionals;
  const action = name === undefined ? undefined : ACTIONS[name];
  if (!action) throw new UsageError(usageOf(undefined));
  const tooFew = !action.optional && operands.length < action.operands;
  if (tooFew || operands.length > action.operands) throw new UsageError(usageOf(name));
  for (const option of Object.keys(values) as OptionName[]) {
    if (option !== "config" && !action.options.includes(option))
      throw new UsageError(`--${option} does not apply to chat-server user ${name}`);
  }
  await withStore(values.config, async (store, config) => {
    // No server to tell: sockets close when the server rechecks sessions, and members
    // hear of the groups the account left at their next sync.
    const bus = new DomainEvents();
    const deleteUserAccount = async (userId: string, actor: AdminActor) => {
      const deleted = await deleteAccount(
        { store, bus, onDelete: config.accounts.on_delete },
        userId,
        actor,
      );
      // This process ends with the command: erase now rather than at the next sweep.
      if (deleted.conversationsToErase > 0) await eraseDeletedAccounts(store, bus);
      return deleted;
    };
    await action.run(
      new AdminService({ store, deleteAccount: deleteUserAccount }),
      operands[0],
      values,
      { store, config },
    );
  });
  return 0;
}

export const userCmd: Command = {
  name: "user",
  usage: COMMAND_USAGE.user,
  flags: OPTIONS,
  run: userCommand,
};
