/**
 * The client address of a socket handshake. Upgrades never pass through Fastify, which
 * works out `request.ip` for REST; this follows the same rule (`[server] trust_proxy`, as
 * proxy-addr applies it): start at the TCP peer and, while the address at hand is a
 * trusted proxy, step left through `X-Forwarded-For`.
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

// proxy-addr's names for common ranges, which trust_proxy accepts.
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ["127.0.0.1/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

/** An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is compared as IPv4. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

export type TrustCheck = (address: string) => boolean;

/** Compiles `[server] trust_proxy` (validated at load) into a check. */
export function compileTrust(entries: readonly string[]): TrustCheck {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [address = "", prefix] = entry.split("/");
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const candidate = plain(address);
    const family = isIP(candidate);
    return family !== 0 && list.check(candidate, family === 6 ? "ipv6" : "ipv4");
  };
}

export function clientAddress(request: IncomingMessage, trusted: TrustCheck): string {
  let address = request.socket.remoteAddress ?? "";
  if (!trusted(address)) return address;
  const header = request.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  for (let i = forwarded.length - 1; i >= 0; i--) {
    address = forwarded[i] as string;
    if (!trusted(address)) return address;
  }
  return address;
}
