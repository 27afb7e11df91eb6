/**
 * Hash routing: #/ (list), #/new, #/settings, #/requests, #/threads, #/search/<query>,
 * #/admin/<section> (the admin console: users, invites, audit, server, settings),
 * #/c/<id>, #/c/<id>/info, #/c/<id>/t/<root id> (a thread open beside the conversation)
 * and #/c/<id>/m/<message id> (a link to one message).
 */
import { useEffect, useState } from "preact/hooks";

export const ADMIN_SECTIONS = ["users", "invites", "audit", "server", "settings"] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export type Route =
  | { name: "home" }
  /** The admin console; #/admin and an unknown section show its users. */
  | { name: "admin"; section: AdminSection }
  | { name: "new" }
  | { name: "settings" }
  | { name: "requests" }
  | { name: "search"; q: string }
  | { name: "threads" }
  /** A conversation, with its details (`info`) or one thread (`thread`, a root's id) beside it. */
  | { name: "chat"; id: string; info: boolean; thread?: string }
  /** A link to a message. Either id is "" when the link is malformed: it shows not found. */
  | { name: "message"; conversationId: string; messageId: string };

/** A percent-escape that does not decode (say, a link cut short) stands for nothing. */
function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "").split("/");
  const parts = raw.map((part) => decode(part) ?? "");
  if (parts[0] === "c" && parts[2] === "m") {
    const [, conversationId = "", , messageId = ""] = parts;
    const whole =
      raw.length === 4 && raw.every((part) => decode(part) !== null) && conversationId && messageId;
    return whole
      ? { name: "message", conversationId, messageId }
      : { name: "message", conversationId: "", messageId: "" };
  }
  if (parts[0] === "admin") {
    const section = ADMIN_SECTIONS.find((name) => name === parts[1]) ?? "users";
    return { name: "admin", section };
  }
  if (parts[0] === "new") return { name: "new" };
  if (parts[0] === "settings") return { name: "settings" };
  if (parts[0] === "requests") return { name: "requests" };
  if (parts[0] === "threads") return { name: "threads" };
  if (parts[0] === "search") return { name: "search", q: parts[1] ?? "" };
  if (parts[0] === "c" && parts[1] && parts[2] === "t" && parts[3])
    return { name: "chat", id: parts[1], info: false, thread: parts[3] };
  if (parts[0] === "c" && parts[1])
    return { name: "chat", id: parts[1], info: parts[2] === "info" };
  return { name: "home" };
}

export function chatHref(id: string, info = false): string {
  return `#/c/${encodeURIComponent(id)}${info ? "/info" : ""}`;
}

export function threadHref(conversationId: string, rootId: string): string {
  return `${chatHref(conversationId)}/t/${encodeURIComponent(rootId)}`;
}

export function messageHref(conversationId: string, messageId: string): string {
  return `${chatHref(conversationId)}/m/${encodeURIComponent(messageId)}`;
}

/** The absolute address of a message, to share: this page's address with the message's hash. */
export function messageUrl(conversationId: string, messageId: string, page: string): string {
  return new URL(messageHref(conversationId, messageId), page).href;
}

export function adminHref(section: AdminSection): string {
  return `#/admin/${section}`;
}

export function searchHref(q: string): string {
  return `#/search/${encodeURIComponent(q)}`;
}

export function navigate(href: string, replace = false): void {
  if (replace) {
    history.replaceState(null, "", href);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = href.replace(/^#/, "");
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
