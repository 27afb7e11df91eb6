/**
 * Hash routing: #/ (list), #/new, #/settings, #/requests, #/search/<query>, #/c/<id>, #/c/<id>/info.
 */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { name: "home" }
  | { name: "new" }
  | { name: "settings" }
  | { name: "requests" }
  | { name: "search"; q: string }
  | { name: "chat"; id: string; info: boolean };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "new") return { name: "new" };
  if (parts[0] === "settings") return { name: "settings" };
  if (parts[0] === "requests") return { name: "requests" };
  if (parts[0] === "search") return { name: "search", q: parts[1] ?? "" };
  if (parts[0] === "c" && parts[1])
    return { name: "chat", id: parts[1], info: parts[2] === "info" };
  return { name: "home" };
}

export function chatHref(id: string, info = false): string {
  return `#/c/${encodeURIComponent(id)}${info ? "/info" : ""}`;
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
