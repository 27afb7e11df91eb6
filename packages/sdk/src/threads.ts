/**
 * Threads over REST: a thread's replies and where the caller stands in it, following,
 * reading, and the threads the caller follows. ApiClient inherits these calls.
 */

import {
  type FollowedThreadView,
  followResponse,
  type MessageView,
  type ThreadResponse,
  threadReadResponse,
  threadResponse,
  threadsResponse,
} from "@private-chat/protocol/chat";
import { PinCalls } from "./pins.js";

export interface ThreadPageOptions {
  /** Positions in the thread (a reply's `thread_seq`), not conversation seqs. */
  before?: number;
  after?: number;
  limit?: number;
}

export interface FollowedThreadsPage {
  threads: FollowedThreadView[];
  nextCursor: string | null;
}

export class ThreadCalls extends PinCalls {
  /** A page of a thread's replies (the newest page unless told), oldest first. */
  thread(rootId: string, options: ThreadPageOptions = {}): Promise<ThreadResponse> {
    const query = new URLSearchParams();
    for (const key of ["before", "after", "limit"] as const) {
      const value = options[key];
      if (value !== undefined) query.set(key, String(value));
    }
    const suffix = query.size > 0 ? `?${query}` : "";
    return this.request(
      "GET",
      `/api/v1/messages/${encodeURIComponent(rootId)}/thread${suffix}`,
      threadResponse,
    );
  }

  /** Follows a thread (or stops following it); answers whether the caller follows it now. */
  async followThread(rootId: string, following = true): Promise<boolean> {
    const answer = await this.request(
      following ? "PUT" : "DELETE",
      `/api/v1/messages/${encodeURIComponent(rootId)}/follow`,
      followResponse,
    );
    return answer.following;
  }

  /** Marks a thread read up to a reply's `thread_seq`; answers the position kept. */
  async readThread(rootId: string, threadSeq: number): Promise<number> {
    const answer = await this.request(
      "POST",
      `/api/v1/messages/${encodeURIComponent(rootId)}/thread/read`,
      threadReadResponse,
      { thread_seq: threadSeq },
    );
    return answer.read_thread_seq;
  }

  /** The threads the caller follows, the latest reply first. */
  async followedThreads(
    options: { limit?: number; cursor?: string } = {},
  ): Promise<FollowedThreadsPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.cursor !== undefined) query.set("cursor", options.cursor);
    const suffix = query.size > 0 ? `?${query}` : "";
    const page = await this.request("GET", `/api/v1/threads${suffix}`, threadsResponse);
    return { threads: page.threads, nextCursor: page.next_cursor };
  }
}

/** A reply that lives in its thread only: the conversation's timeline leaves it out. */
export function isThreadOnly(
  message: Pick<MessageView, "thread_id" | "also_to_conversation">,
): boolean {
  return message.thread_id !== undefined && message.also_to_conversation !== true;
}
