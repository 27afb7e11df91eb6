/**
 * A stable name lookup for a conversation's messages: members by their display name,
 * others the app has met by theirs, "Former member" otherwise. It changes only when the
 * names do, so message items need not re-render on reads.
 */
import { useMemo } from "preact/hooks";
import type { Conv } from "../state/chat.js";
import { people, personName } from "../state/people.js";
import { useStore } from "../state/store.js";
import type { NameOf } from "./MessageItem.js";

export function useNameOf(conv: Conv): NameOf {
  const namesKey = conv.members.map((m) => `${m.user.id}\t${m.user.display_name}`).join("\n");
  const others = useStore(people, (all) => all);
  return useMemo(() => {
    const names = new Map(conv.members.map((m) => [m.user.id, m.user.display_name]));
    return (userId: string) => names.get(userId) ?? personName(userId) ?? "Former member";
  }, [namesKey, others]);
}

/** Whether a member of the conversation is a bot (stable while the members are). */
export function useBotOf(conv: Conv): (userId: string) => boolean {
  const botsKey = conv.members
    .filter((m) => m.user.is_bot)
    .map((m) => m.user.id)
    .join("\n");
  return useMemo(() => {
    const bots = new Set(botsKey === "" ? [] : botsKey.split("\n"));
    return (userId: string) => bots.has(userId);
  }, [botsKey]);
}
