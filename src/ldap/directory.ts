/**
 * The directory, through ldapts: each piece of work opens a connection of its own (TLS
 * from the first byte with ldaps://, or upgraded with StartTLS before any bind), binds as
 * the service account (or stays anonymous without `bind_dn`), and closes it at the end.
 * People are found with the `user_filter` and one attribute compared for equality, never
 * a filter built by pasting their input in; their password is checked by binding as
 * their entry. A directory that cannot be reached, or refuses the service account, is
 * `provider_unavailable`: nothing is decided on its account.
 */
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import {
  AndFilter,
  Client,
  type Entry,
  EqualityFilter,
  type Filter,
  FilterParser,
  InvalidCredentialsError,
} from "ldapts";
import { AppError } from "../errors.js";
import type { LdapSettings } from "./settings.js";

/** A person's entry, as the directory tells it now. */
export interface DirectoryEntry {
  dn: string;
  /** The stable id (`id_attribute`): what the account is linked by. */
  id: string;
  /** The `username_attribute`'s value as the directory has it. */
  username: string;
  displayName: string | undefined;
  /** The groups found with `group_filter` under `group_base`, their DNs normalised. */
  groups: string[];
}

/** A DN compared the way people write them: letter case and spaces around "," and "=" aside. */
export function normaliseDn(dn: string): string {
  return dn
    .split(",")
    .map((part) =>
      part
        .split("=")
        .map((s) => s.trim())
        .join("="),
    )
    .join(",")
    .toLowerCase();
}

/** Active Directory's objectGUID is 16 bytes, kept as hex; other ids are text. */
function binaryId(attribute: string): boolean {
  return attribute.toLowerCase() === "objectguid";
}

/** One attribute's first value, whatever letter case the server names it with. */
function firstValue(entry: Entry, attribute: string): string | Buffer | undefined {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

function unavailable(err: unknown): AppError {
  return new AppError(
    "provider_unavailable",
    `the directory cannot be reached (${(err as Error).message}); try again later`,
  );
}

/** The operations of one open connection, bound as the service account. */
export class DirectoryConnection {
  constructor(
    private readonly client: Client,
    private readonly settings: LdapSettings,
  ) {}

  private get config() {
    return this.settings.config;
  }

  /** The person whose `username_attribute` is `username`; undefined for none, or two. */
  findByUsername(username: string): Promise<DirectoryEntry | undefined> {
    return this.findOne(
      new EqualityFilter({ attribute: this.config.username_attribute, value: username }),
    );
  }

  /** The person with this stable id; undefined once they left (or the filter leaves them out). */
  findById(id: string): Promise<DirectoryEntry | undefined> {
    const value = binaryId(this.config.id_attribute) ? Buffer.from(id, "hex") : id;
    return this.findOne(new EqualityFilter({ attribute: this.config.id_attribute, value }));
  }

  /** Whether `password` is the entry's: a bind as it (an empty one never reaches the server). */
  async checkPassword(dn: string, password: string): Promise<boolean> {
    // An empty password would be an anonymous bind, which many directories accept.
    if (password === "") return false;
    try {
      await this.client.bind(dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw err;
    }
  }

  private async findOne(match: Filter): Promise<DirectoryEntry | undefined> {
    const { user_base, user_filter, username_attribute, display_name_attribute, id_attribute } =
      this.config;
    const { searchEntries } = await this.client.search(user_base, {
      scope: "sub",
      filter: new AndFilter({ filters: [FilterParser.parseString(user_filter), match] }),
      attributes: [username_attribute, display_name_attribute, id_attribute],
      explicitBufferAttributes: binaryId(id_attribute) ? [id_attribute] : [],
      // Two are enough to know the name is ambiguous (ldapts keeps them when more match).
      sizeLimit: 2,
    });
    const [entry, another] = searchEntries;
    if (!entry || another) return undefined;
    const id = firstValue(entry, id_attribute);
    const username = firstValue(entry, username_attribute);
    if (id === undefined || typeof username !== "string") return undefined;
    const shown = firstValue(entry, display_name_attribute);
    return {
      dn: entry.dn,
      id: typeof id === "string" ? id : id.toString("hex"),
      username,
      displayName: typeof shown === "string" ? shown : undefined,
      groups: await this.groupsOf(entry.dn, username),
    };
  }

  /** The groups naming the person as a member (posixGroup's memberUid names them by username). */
  private async groupsOf(dn: string, username: string): Promise<string[]> {
    const { group_base, group_filter, group_member_attribute } = this.config;
    if (group_base === "") return [];
    const value = group_member_attribute.toLowerCase() === "memberuid" ? username : dn;
    const { searchEntries } = await this.client.search(group_base, {
      scope: "sub",
      filter: new AndFilter({
        filters: [
          FilterParser.parseString(group_filter),
          new EqualityFilter({ attribute: group_member_attribute, value }),
        ],
      }),
      attributes: ["cn"],
    });
    return searchEntries.map((g) => normaliseDn(g.dn));
  }
}

export class Directory {
  constructor(readonly settings: LdapSettings) {}

  /** Runs `work` on a fresh connection bound as the service account, then closes it. */
  async open<T>(work: (connection: DirectoryConnection) => Promise<T>): Promise<T> {
    const { config, ca, bindPassword } = this.settings;
    const ms = config.timeout_seconds * 1000;
    const host = new URL(config.url).hostname.replace(/^\[|\]$/g, "");
    // The name the certificate must carry: an address is checked against its IP entries.
    const tlsOptions: ConnectionOptions = {
      ...(ca ? { ca } : {}),
      host,
      ...(isIP(host) ? {} : { servername: host }),
    };
    // ldapts speaks TLS from the first byte whenever it is given TLS options: only for ldaps://.
    const ldaps = config.url.toLowerCase().startsWith("ldaps:");
    const client = new Client({
      url: config.url,
      timeout: ms,
      connectTimeout: ms,
      ...(ldaps ? { tlsOptions } : {}),
    });
    let connection: DirectoryConnection;
    try {
      if (config.start_tls) await client.startTLS(tlsOptions);
      if (config.bind_dn !== "") await client.bind(config.bind_dn, bindPassword ?? "");
      connection = new DirectoryConnection(client, this.settings);
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw unavailable(err);
    }
    try {
      return await work(connection);
    } catch (err) {
      throw err instanceof AppError ? err : unavailable(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}
