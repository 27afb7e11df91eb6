/**
 * Threads seen by one person: a page of a thread's replies, following and unfollowing,
 * the read position, and the list of followed threads with what is unread in each.
 * Replies themselves are sent like any message (send-path.ts, general-append.ts).
 */
import type {
  FollowedThreadView,
  MessageView,
  ThreadResponse,
  ThreadsResponse,
} from "@private-chat/protocol/chat";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import { memberSees, seqWindow } from "../storage/membership-window.js";
import type { Store } from "../storage/store.js";
import type { FollowCursor } from "../storage/thread-follows.js";
import type { User } from "../storage/users.js";
import { presentMessages } from "./present.js";
import type { HistoryQuery } from "./service.js";
import { moveThreadRead } from "./thread-read.js";
import { visibleMessage } from "./visible.js";

export interface ThreadServiceDeps {
  store: Store;
  bus: DomainEvents;
}

const CURSOR = /^(\d{1,16})\.([\w-]{1,64})$/;

function encodeCursor(cursor: FollowCursor): string {
  return `${cursor.lastReplyAt}.${cursor.rootId}`;
}

function decodeCursor(text: string | undefined): FollowCursor | undefined {
  if (text === undefined) return undefined;
  const match = CURSOR.exec(text);
  if (!match) throw new AppError("invalid_request", "cursor is not one this server gave");
  return { lastReplyAt: Number(match[1]), rootId: match[2] as string };
}

export class ThreadService {
  constructor(private readonly deps: ThreadServiceDeps) {}

  /** The thread's root: the message itself, or the root of the reply named. */
  private async root(user: User, messageId: string) {
    const { row, self } = await visibleMessage(this.deps.store, user.id, messageId);
    if (!row.thread_id) return { root: row, self };
    return { root: (await visibleMessage(this.deps.store, user.id, row.thread_id)).row, self };
  }

  /**
   * A page of the replies in the thread of a message the user may see, oldest first, only
   * those inside the user's periods of membership; with whether they follow it and how
   * far they read it.
   */
  async page(user: User, messageId: string, query: HistoryQuery): Promise<ThreadResponse> {
    const { root, self } = await this.root(user, messageId);
    const store = this.deps.store;
    const rows = await store.messages.threadPage(root.id, {
      before: query.before,
      after: query.after,
      limit: query.limit,
      ...seqWindow(self, await store.conversations.earlierPeriods(root.conversation_id, user.id)),
    });
    const mine = await store.threadFollows.of(root.id, user.id);
    return {
      messages: await presentMessages(store, rows),
      following: mine?.following ?? false,
      read_thread_seq: mine?.readSeq ?? 0,
    };
  }

  /** Follows a thread (even one without replies yet), or stops; the user's devices are told. */
  async setFollowing(user: User, messageId: string, following: boolean): Promise<boolean> {
    const { root } = await this.root(user, messageId);
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      await tx.threads.ensure(root.id, root.conversation_id);
      if (following) await tx.threadFollows.follow(root.id, user.id, "join");
      else await tx.threadFollows.unfollow(root.id, user.id);
      await log.append(
        {
          type: "thread.followed",
          conversation_id: root.conversation_id,
          root_id: root.id,
          following,
        },
        { userId: user.id },
      );
    });
    return following;
  }

  /** Moves the user's read position in a thread forward (never back). */
  async markRead(user: User, messageId: string, threadSeq: number): Promise<number> {
    const { root } = await this.root(user, messageId);
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      // Reading a thread nobody answered changes nothing; nobody reads past its last reply.
      const last = await tx.threads.lastSeqOf(root.id);
      if (last === 0) return 0;
      const place = { rootId: root.id, conversationId: root.conversation_id };
      return moveThreadRead(tx, log, place, user.id, Math.min(threadSeq, last));
    });
  }

  /** The threads the user follows, the latest reply first, with their unread replies. */
  async followed(user: User, limit: number, cursorText?: string): Promise<ThreadsResponse> {
    const store = this.deps.store;
    const cursor = decodeCursor(cursorText);
    const found = await store.threadFollows.followed(user.id, limit + 1, cursor);
    const page = found.slice(0, limit);
    const roots = new Map(
      (await Promise.all(page.map((t) => store.messages.byId(t.rootId)))).flatMap((row) =>
        row ? [[row.id, row] as const] : [],
      ),
    );
    // Only roots inside the user's periods of membership (a mention can reach someone
    // who joined after the root was sent).
    const visible: typeof page = [];
    for (const thread of page) {
      const root = roots.get(thread.rootId);
      const self = root && (await store.conversations.member(root.conversation_id, user.id));
      if (root && self && (await memberSees(store.conversations, self, root.seq)))
        visible.push(thread);
    }
    const views = await presentMessages(
      store,
      visible.map((t) => roots.get(t.rootId)!),
    );
    const unread = await store.threadFollows.unreadCounts(
      user.id,
      visible.map((t) => t.rootId),
    );
    const threads = visible.map(
      (t, i): FollowedThreadView => ({
        root: views[i] as MessageView,
        unread_count: unread.get(t.rootId) ?? 0,
        read_thread_seq: t.readSeq,
      }),
    );
    const last = page[page.length - 1];
    return {
      threads,
      next_cursor:
        found.length > limit && last
          ? encodeCursor({ lastReplyAt: last.lastReplyAt, rootId: last.rootId })
          : null,
    };
  }
}
