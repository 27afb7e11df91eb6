/**
 * Every subcommand's usage lines, "usage  description" pairs, in the order the top-level
 * help lists them. They live apart from the commands so that `chat-server --help` prints
 * them without loading any command (and the database drivers and server behind them).
 */
import { DEFAULT_INVITE_HOURS } from "@private-chat/protocol/admin";

export type UsageLines = [string, string][];

export const MIGRATE_TO_POSTGRES_USAGE =
  "migrate-to-postgres --from PATH [--key-file FILE] --to URL [--schema NAME] [--resume] [--batch-size N]";

export const USAGE = {
  serve: [
    ["[serve] [--config FILE]", "run the server (embedded SQLite defaults without --config)"],
  ],
  config: [
    ["config check [--config FILE]", "validate the configuration (file and environment) and exit"],
  ],
  db: [
    ["db migrate", "apply pending expand steps (safe while older nodes run) and exit"],
    ["db migrate --contract", "also apply contract steps: only once every node runs this version"],
    [
      "db status [--json]",
      "applied, pending expand and pending contract steps; whether this version can serve the schema",
    ],
    [
      "db encrypt",
      "encrypt the SQLite database with the key of [database] encryption_key_file (the server stopped)",
    ],
    ["db decrypt", "turn the encrypted SQLite database back into a clear one (the server stopped)"],
    [
      "db rekey --new-key-file FILE",
      "encrypt the SQLite database with a new key (the server stopped)",
    ],
  ],
  drain: [
    [
      "drain PID [--timeout SECONDS]",
      "drain the running server PID (no new sockets, open ones closed with 1001 once their sends are done) and wait until it stops",
    ],
  ],
  user: [
    [
      "user create USERNAME [--admin] [--password-file FILE] [--display-name NAME]",
      "create an account (prints a generated password unless --password-file is given)",
    ],
    ["user list [PREFIX] [--json]", "list every account, disabled ones included"],
    ["user disable USERNAME", "stop an account signing in and end its sessions"],
    ["user enable USERNAME", "let a disabled account sign in again"],
    [
      "user reset-password USERNAME [--password-file FILE]",
      "set a new password (prints a generated one unless --password-file is given) and end the account's sessions",
    ],
    [
      "user reset-2fa USERNAME",
      "remove an account's second factors (authenticator app, passkeys, recovery codes) when its person lost them",
    ],
    [
      "user link-directory USERNAME",
      "link an existing account to the [ldap] directory entry of the same username: it then signs in with its directory password",
    ],
    [
      "user delete USERNAME",
      "delete an account for good: its name, password, sessions and group memberships go; its messages stay as a deleted user's or are erased, as [accounts] on_delete says",
    ],
    ["user promote USERNAME", "make an account an administrator"],
    ["user demote USERNAME", "take administrator rights away from an account"],
  ],
  invite: [
    [
      "invite create [--expires-in-hours N] [--uses N]",
      `print an invite code for N accounts (default 1, valid ${DEFAULT_INVITE_HOURS} h)`,
    ],
    ["invite list [--json]", "list invites with their status (active, used, revoked, expired)"],
    ["invite revoke ID", "revoke an invite with uses left"],
  ],
  sessions: [["sessions revoke-all", "end every session on the server (suspected token leak)"]],
  audit: [
    [
      "audit [--limit N] [--actor NAME] [--action ACTION] [--since TIME] [--until TIME] [--json]",
      "show the log of administrative actions, newest first, narrowed by who, what and when",
    ],
  ],
  retention: [
    [
      "retention run [--json]",
      "erase now every message older than its conversation keeps them ([retention]; the server does it hourly) and the files only they used, and trim the event log to [events] retention_days",
    ],
  ],
  backup: [
    [
      "backup --out FILE|- [--encrypt --passphrase-file FILE|--recipient-file FILE] [--no-uploads]",
      "copy the SQLite database while the server runs (online backup; file mode 0600; - is stdout); --encrypt seals it and the uploaded files with age into the folder of FILE, storing only files earlier backups there lack (--no-uploads: the database only)",
    ],
    [
      "backup verify FILE --passphrase-file FILE|--identity-file FILE",
      "check an --encrypt backup without restoring it: decrypt every part, integrity_check the database, compare every file with its SHA-256",
    ],
    [
      "backup prune DIR [--keep N]",
      "delete a backup folder's oldest backups beyond N, then the stored files no kept backup names (needs no key)",
    ],
    [
      "backup keygen --out FILE",
      "write a new age identity (mode 0600) to FILE and print its recipient, for --recipient-file",
    ],
  ],
  restore: [
    [
      "restore FILE|- [--passphrase-file FILE|--identity-file FILE]",
      "check a backup (integrity, schema version) and put it in place of the SQLite database, keeping the old one aside, with its uploaded files back in the uploads directory; the server must be stopped",
    ],
  ],
  "migrate-to-postgres": [
    [
      MIGRATE_TO_POSTGRES_USAGE,
      "copy a stopped server's SQLite database into PostgreSQL (never writing the SQLite file), verify counts and checksums per table; --resume continues an interrupted copy",
    ],
  ],
  push: [
    [
      "push generate-keys",
      "print a new VAPID key pair (P-256, base64url) for [push] (Web Push); every node takes the same pair, and a new pair makes browsers subscribe again, which the web app does by itself",
    ],
  ],
} satisfies Record<string, UsageLines>;

export type CommandName = keyof typeof USAGE;
