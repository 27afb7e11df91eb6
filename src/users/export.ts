/**
 * What a data export holds, written into an ExportArchive: a person's own account
 * (profile, conversations, the messages they wrote and their files), or one whole
 * conversation for an administrator's legal hold. Rows are read a page at a time while
 * the zip is being sent, so the size of an export never shows in the server's memory.
 */
import type { Readable } from "node:stream";
import { presentSession, presentUser } from "../auth/present.js";
import type { AttachmentRow } from "../storage/attachments.js";
import type { Conversation, Member } from "../storage/conversations.js";
import { type ExportedMessageRow, ExportReads } from "../storage/exports.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { type ExportArchive, isPacked, safeSegment } from "./export-archive.js";

/** Messages read per query. */
export const EXPORT_PAGE = 500;
/** Conversations (with their members) read per query for conversations.json. */
const CONVERSATION_PAGE = 50;

/** Where the bytes of attachments come from (the attachment service). */
export interface BlobSource {
  blob(key: string): Promise<Readable | undefined>;
  blobSize(key: string): Promise<number | undefined>;
}

export interface ExportDeps {
  store: Store;
  blobs: BlobSource;
  /** A file whose bytes are gone is left out of the zip, and said so here. */
  warn: (details: Record<string, unknown>, message: string) => void;
}

/** Fills an archive; resolves once every entry is queued and the last one is written. */
export type ExportWriter = (archive: ExportArchive) => Promise<void>;

/** One conversation as exported, with who is in it. */
interface ConversationEntry {
  conversation: Conversation;
  /** The exporting person's own membership (account exports). */
  own?: Member;
  /**
   * A conversation the exporting person has left: only its id, type and creation go out,
   * since its title and members may have changed since, which a former member does not see.
   */
  left?: true;
}

const README_COMMON = `conversations.json
  The conversations in this export: id, type, title, when it was created, and its
  current members (id, username, display name, role, when they joined). "messages_file"
  names the conversation's messages file.

messages/<conversation-id>.jsonl
  JSON Lines: one message per line, oldest first (by "seq", the conversation's order).
  Thread replies are included ("thread_id" is the thread's first message, "thread_seq"
  the reply's place in the thread); "reply_to" is the message answered. "body" is the
  current text: for an edited message "edited_at" says when it last changed. Deleted
  messages are not included. "attachments" lists the message's files with their name,
  type, size and SHA-256; "file" is the file's path in this zip (null if the server no
  longer had its bytes).

files/<attachment-id>/<file name>
  The attachments of the exported messages, byte for byte as stored (images as the
  server re-encoded them at upload).

Times are milliseconds since 1970-01-01 UTC.
`;

function accountReadme(user: User, at: number): string {
  return `Private Chat: data export of @${user.username}
Made ${new Date(at).toISOString()}.

README.txt
  This file.

profile.json
  Your account (id, username, display name, admin or not, when it was created), your
  signed-in sessions (device, address, times; never a token), your notification
  settings (do-not-disturb hours, and each conversation's level and mute), and the
  devices you registered for end-to-end encryption (name, public signature key, times).

${README_COMMON}
This export holds the conversations you are a member of now, and in them only the
messages you wrote and their files. Conversations you have left are listed too, with
"you_left": true and the messages you wrote in them, but without their title and
members, which may have changed since you left.
`;
}

function conversationReadme(conversation: Conversation, by: User, at: number): string {
  return `Private Chat: export of conversation ${conversation.id}
Made ${new Date(at).toISOString()} by the administrator @${by.username}.

README.txt
  This file.

${README_COMMON}
This export holds every member's messages in this conversation and their files.
`;
}

function fileName(row: AttachmentRow): string {
  return `files/${row.id}/${safeSegment(row.name)}`;
}

function messagesFile(conversationId: string): string {
  return `messages/${conversationId}.jsonl`;
}

export class DataExport {
  private readonly reads: ExportReads;

  constructor(private readonly deps: ExportDeps) {
    this.reads = new ExportReads(deps.store.db);
  }

  /**
   * The signed-in person's own data. The first reads happen now, so that a failing
   * database is a plain error answer; the returned writer fills the archive as it is sent.
   */
  async account(user: User, sessionId: string): Promise<ExportWriter> {
    const { store } = this.deps;
    const now = Date.now();
    const memberships = await store.conversations.membershipsOf(user.id);
    // Oldest conversation first: the order is stable from one export to the next.
    memberships.sort(
      (a, b) =>
        Number(a.conversation.created_at) - Number(b.conversation.created_at) ||
        a.conversation_id.localeCompare(b.conversation_id),
    );
    const ids = memberships.map((m) => m.conversation_id);
    const [sessions, preferences, dnd, devices] = await Promise.all([
      store.sessions.listActive(user.id, now),
      store.notifications.preferencesOf(user.id, ids),
      store.notifications.doNotDisturb(user.id),
      store.devices.of(user.id),
    ]);
    const profile = {
      exported_at: now,
      user: presentUser(user),
      sessions: sessions.map((s) => presentSession(s, sessionId)),
      notifications: { dnd, conversations: [...preferences.values()] },
      // Public keys only: private keys never reach the server.
      devices: devices.map((d) => ({
        id: d.id,
        name: d.name,
        signature_key: d.signatureKey,
        created_at: d.createdAt,
        last_seen_at: d.lastSeenAt,
      })),
    };
    const left = await this.reads.leftConversations(user.id);
    const entries: ConversationEntry[] = [
      ...memberships.map(({ conversation, ...own }) => ({ conversation, own })),
      ...left.map((conversation) => ({ conversation, left: true as const })),
    ];
    return async (archive) => {
      archive.addText("README.txt", accountReadme(user, now));
      archive.addText("profile.json", `${JSON.stringify(profile, null, 2)}\n`);
      await this.conversationsAndMessages(archive, entries, user.id);
    };
  }

  /** One conversation, every member's messages (an administrator's legal hold). */
  conversation(conversation: Conversation, by: User): ExportWriter {
    const now = Date.now();
    return async (archive) => {
      archive.addText("README.txt", conversationReadme(conversation, by, now));
      await this.conversationsAndMessages(archive, [{ conversation }], undefined);
    };
  }

  private async conversationsAndMessages(
    archive: ExportArchive,
    entries: ConversationEntry[],
    senderId: string | undefined,
  ): Promise<void> {
    await archive.addGenerated("conversations.json", () => this.conversationsJson(entries));
    for (const { conversation } of entries) {
      if (archive.stopped) return;
      await archive.addGenerated(messagesFile(conversation.id), () =>
        this.messageLines(archive, conversation.id, senderId),
      );
    }
  }

  /** A JSON array, written a page of conversations (and their members) at a time. */
  private async *conversationsJson(entries: ConversationEntry[]): AsyncGenerator<string> {
    const { store } = this.deps;
    yield "[";
    let first = true;
    for (let i = 0; i < entries.length; i += CONVERSATION_PAGE) {
      const page = entries.slice(i, i + CONVERSATION_PAGE);
      const members = await store.conversations.membersOf(
        page.filter((e) => !e.left).map((e) => e.conversation.id),
      );
      const users = await store.users.byIds(members.map((m) => m.user_id));
      for (const { conversation, own, left } of page) {
        const view = left
          ? {
              id: conversation.id,
              type: conversation.type,
              title: null,
              created_at: Number(conversation.created_at),
              you_left: true,
              members: [],
              messages_file: messagesFile(conversation.id),
            }
          : {
              id: conversation.id,
              type: conversation.type,
              title: conversation.title,
              created_at: Number(conversation.created_at),
              created_by: conversation.created_by,
              ...(own ? { your_role: own.role, you_joined_at: Number(own.joined_at) } : {}),
              members: members
                .filter((m) => m.conversation_id === conversation.id)
                .map((m) => {
                  const user = users.get(m.user_id);
                  return {
                    id: m.user_id,
                    username: user?.username ?? null,
                    display_name: user?.displayName ?? null,
                    role: m.role,
                    joined_at: Number(m.joined_at),
                  };
                }),
              messages_file: messagesFile(conversation.id),
            };
        yield `${first ? "\n" : ",\n"}${JSON.stringify(view)}`;
        first = false;
      }
    }
    yield "\n]\n";
  }

  /**
   * A conversation's live messages (of `senderId` alone, when given) as JSON Lines, a
   * page at a time. The files of each page are queued behind this entry as it goes.
   */
  private async *messageLines(
    archive: ExportArchive,
    conversationId: string,
    senderId: string | undefined,
  ): AsyncGenerator<string> {
    const { store } = this.deps;
    let afterSeq = 0;
    for (;;) {
      if (archive.stopped) return;
      const page = await this.reads.messages({
        conversationId,
        senderId,
        afterSeq,
        limit: EXPORT_PAGE,
      });
      if (page.length === 0) return;
      const attachments = await store.attachments.ofMessages(page.map((m) => m.id));
      const lines: string[] = [];
      for (const message of page) {
        const files = await this.files(archive, attachments.get(message.id) ?? []);
        lines.push(JSON.stringify(messageRecord(message, files)));
      }
      yield `${lines.join("\n")}\n`;
      afterSeq = (page.at(-1) as ExportedMessageRow).seq;
      if (page.length < EXPORT_PAGE) return;
    }
  }

  /** Queues each attachment's bytes as a zip entry; describes them for the message line. */
  private async files(archive: ExportArchive, rows: AttachmentRow[]) {
    const described = [];
    for (const row of rows) {
      const size = await this.deps.blobs.blobSize(row.blob);
      if (size === undefined) {
        this.deps.warn({ attachment: row.id }, "export: an attachment's bytes are missing");
      } else {
        // Not awaited: the entry is written after the messages file that names it.
        void archive.addStream(fileName(row), () => this.deps.blobs.blob(row.blob), {
          compress: !isPacked(row.content_type),
          mtime: new Date(row.created_at),
          size,
        });
      }
      described.push({
        id: row.id,
        name: row.name,
        content_type: row.content_type,
        size: row.size,
        width: row.width,
        height: row.height,
        sha256: row.sha256,
        created_at: row.created_at,
        file: size === undefined ? null : fileName(row),
      });
    }
    return described;
  }
}

function messageRecord(message: ExportedMessageRow, attachments: unknown[]) {
  return {
    id: message.id,
    conversation_id: message.conversation_id,
    seq: message.seq,
    sender_id: message.sender_id,
    sender_username: message.sender_username,
    sender_display_name: message.sender_display_name,
    body: message.body,
    created_at: Number(message.created_at),
    edited_at: message.edited_at === null ? null : Number(message.edited_at),
    reply_to: message.reply_to,
    thread_id: message.thread_id ?? null,
    thread_seq: message.thread_seq ?? null,
    also_in_conversation: message.also_in_conversation === 1,
    attachments,
  };
}

/** `private-chat-export-<username>-<yyyy-mm-dd>.zip` */
export function accountExportName(user: User, at: number): string {
  return `private-chat-export-${safeSegment(user.username, "user")}-${day(at)}.zip`;
}

export function conversationExportName(conversationId: string, at: number): string {
  return `private-chat-conversation-${conversationId}-${day(at)}.zip`;
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
