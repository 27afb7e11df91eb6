/**
 * What the operator puts in the configuration after a verified copy: the [database]
 * section for PostgreSQL, and [uploads] path written out. Without `path`, the uploads
 * directory would follow the built-in `./data/chat.db` instead of the SQLite file, and
 * every attachment would be missing from the server on PostgreSQL.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { redactUrl } from "./errors.js";

export interface NextConfigInput {
  /** The SQLite file given to --from. */
  from: string;
  /** The PostgreSQL URL given to --to. */
  to: string;
  schema: string;
  /** Rows of `blobs` in the SQLite file: stored attachment files. */
  storedFiles: number;
}

/** TOML strings are JSON strings for every path and URL we print. */
const quoted = (value: string) => JSON.stringify(value);

/** The sections to use, as TOML with comments, and a warning when the files are not found. */
export function nextConfig(input: NextConfigInput): { toml: string; warning?: string } {
  const from = resolve(input.from);
  const uploads = join(dirname(from), "uploads");
  const toml = [
    "# the configuration for PostgreSQL: replace [database] with this section, and keep",
    "# [uploads] path pointing where the attachments are (below, the default of a server on",
    `# ${from}; if your configuration sets [uploads] path, keep its value)`,
    "[database]",
    'type = "postgres"',
    `url = ${quoted(redactUrl(input.to))}`,
    `schema = ${quoted(input.schema)}`,
    `path = ${quoted(from)}    # not read on PostgreSQL; kept for a rollback`,
    "",
    "[uploads]",
    `path = ${quoted(uploads)}`,
    "",
  ].join("\n");
  if (input.storedFiles === 0 || existsSync(join(uploads, "blobs"))) return { toml };
  return {
    toml,
    warning: `the SQLite database lists ${input.storedFiles} stored attachment files, but ${uploads} holds none: set [uploads] path to the directory your server keeps them in (its [uploads] path)`,
  };
}
