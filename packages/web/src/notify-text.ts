/**
 * What a message notification says, shared by the service worker (for pushes) and the page
 * (for messages that arrive while it is open but hidden), so both group the same way: one
 * notification per conversation (tag = conversation id), counting what it stands for.
 * Pure functions, free of DOM and worker types, so both builds can import them.
 */

/** Kept in `Notification.data`, so the next message to the same tag can count on. */
export interface NotificationData {
  conversation_id: string;
  count: number;
  /** The newest message it stands for, so the page does not show it a second time. */
  message_id?: string | undefined;
}

export interface NotificationFacts {
  conversation_id: string;
  /** The group's title or the other person's name; "New message" when content is off. */
  title: string;
  sender_name?: string | undefined;
  text?: string | undefined;
  group: boolean;
  message_id?: string | undefined;
}

export interface NotificationContent {
  title: string;
  options: { body: string; tag: string; data: NotificationData; icon: string; badge: string };
}

export function isNotificationData(value: unknown): value is NotificationData {
  const data = value as Partial<NotificationData> | null | undefined;
  return typeof data?.conversation_id === "string" && typeof data.count === "number";
}

/** How many messages the shown notifications of one tag already stand for. */
export function countOf(shown: readonly { data: unknown }[]): number {
  return shown.reduce((sum, n) => sum + (isNotificationData(n.data) ? n.data.count : 1), 0);
}

/**
 * The notification for one more message, `already` being what the conversation's shown
 * notification counted. `iconBase` is where the app's icons are (the scope URL).
 */
export function messageNotification(
  facts: NotificationFacts,
  already: number,
  iconBase: string,
): NotificationContent {
  const count = already + 1;
  let body: string;
  if (count > 1) body = `${count} new messages`;
  else if (facts.text === undefined) body = "Open Private Chat to read it.";
  else if (facts.group && facts.sender_name) body = `${facts.sender_name}: ${facts.text}`;
  else body = facts.text;
  return {
    title: facts.title || "New message",
    options: {
      body,
      tag: facts.conversation_id,
      data: { conversation_id: facts.conversation_id, count, message_id: facts.message_id },
      icon: new URL("icons/icon-192.png", iconBase).href,
      badge: new URL("icons/icon-192.png", iconBase).href,
    },
  };
}

/** The hash route of a conversation (see router.ts), as an absolute URL under `base`. */
export function conversationUrl(base: string, conversationId: string): string {
  return new URL(`#/c/${encodeURIComponent(conversationId)}`, base).href;
}
