/**
 * Which IP addresses an outbound request may reach. Anything that is not a public unicast
 * address (loopback, private ranges, shared CGNAT space, link-local with the cloud
 * metadata address, multicast, reserved and documentation ranges) is refused, and IPv6
 * forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the
 * address they carry, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`.
 */
import { isIP } from "node:net";

export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "shared"
  | "link_local"
  | "multicast"
  | "reserved"
  | "invalid";

interface Range4 {
  base: number;
  bits: number;
  kind: Exclude<AddressClass, "public" | "invalid">;
}

function v4(text: string): number {
  const parts = text.split(".").map(Number);
  return (
    (((parts[0] ?? 0) << 24) |
      ((parts[1] ?? 0) << 16) |
      ((parts[2] ?? 0) << 8) |
      (parts[3] ?? 0)) >>>
    0
  );
}

const IPV4_RANGES: Range4[] = [
  { base: v4("0.0.0.0"), bits: 8, kind: "unspecified" }, // "this network"
  { base: v4("10.0.0.0"), bits: 8, kind: "private" },
  { base: v4("100.64.0.0"), bits: 10, kind: "shared" }, // carrier-grade NAT
  { base: v4("127.0.0.0"), bits: 8, kind: "loopback" },
  { base: v4("169.254.0.0"), bits: 16, kind: "link_local" }, // includes 169.254.169.254
  { base: v4("172.16.0.0"), bits: 12, kind: "private" },
  { base: v4("192.0.0.0"), bits: 24, kind: "reserved" }, // IETF protocol assignments
  { base: v4("192.0.2.0"), bits: 24, kind: "reserved" }, // documentation
  { base: v4("192.88.99.0"), bits: 24, kind: "reserved" }, // 6to4 relay anycast
  { base: v4("192.168.0.0"), bits: 16, kind: "private" },
  { base: v4("198.18.0.0"), bits: 15, kind: "reserved" }, // benchmarking
  { base: v4("198.51.100.0"), bits: 24, kind: "reserved" }, // documentation
  { base: v4("203.0.113.0"), bits: 24, kind: "reserved" }, // documentation
  { base: v4("224.0.0.0"), bits: 4, kind: "multicast" },
  { base: v4("240.0.0.0"), bits: 4, kind: "reserved" }, // includes 255.255.255.255
];

function classifyV4(value: number): AddressClass {
  for (const range of IPV4_RANGES) {
    const mask = range.bits === 0 ? 0 : (~0 << (32 - range.bits)) >>> 0;
    if ((value & mask) >>> 0 === range.base) return range.kind;
  }
  return "public";
}

/** The 16 bytes of an IPv6 address (zone id removed), or undefined when it does not parse. */
export function parseIpv6(text: string): Uint8Array | undefined {
  let address = text.replace(/%.*$/, "");
  if (isIP(address) !== 6) return undefined;
  const bytes = new Uint8Array(16);
  // A trailing dotted IPv4 part stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let tail: number[] = [];
  if (dotted?.[1]) {
    const value = v4(dotted[1]);
    tail = [(value >>> 16) & 0xffff, value & 0xffff];
    address = address.slice(0, -dotted[1].length);
    if (address.endsWith(":") && !address.endsWith("::")) address = address.slice(0, -1);
  }
  const groups = (part: string) =>
    part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16));
  let all: number[];
  if (address.includes("::")) {
    const [head = "", rest = ""] = address.split("::");
    const front = groups(head);
    const back = [...groups(rest), ...tail];
    all = [
      ...front,
      ...new Array<number>(Math.max(0, 8 - front.length - back.length)).fill(0),
      ...back,
    ];
  } else {
    all = [...groups(address), ...tail];
  }
  if (all.length !== 8) return undefined;
  all.forEach((group, i) => {
    bytes[i * 2] = (group >> 8) & 0xff;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function embeddedV4(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) |
      ((bytes[at + 1] ?? 0) << 16) |
      ((bytes[at + 2] ?? 0) << 8) |
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function classifyV6(bytes: Uint8Array): AddressClass {
  const zeroUpTo = (n: number) => bytes.subarray(0, n).every((b) => b === 0);
  if (zeroUpTo(16)) return "unspecified";
  if (zeroUpTo(15) && bytes[15] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the deprecated compatible form).
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff)
    return classifyV4(embeddedV4(bytes, 12));
  if (zeroUpTo(12)) return classifyV4(embeddedV4(bytes, 12));
  // ::ffff:0:a.b.c.d (SIIT translated form).
  if (zeroUpTo(8) && bytes[8] === 0xff && bytes[9] === 0xff && bytes[10] === 0 && bytes[11] === 0)
    return classifyV4(embeddedV4(bytes, 12));
  // 64:ff9b::/96, the well-known NAT64 prefix, reaches the IPv4 address it ends with.
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
    return classifyV4(embeddedV4(bytes, 12));
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 1])) return "private"; // local-use NAT64
  if (startsWith(bytes, [0x20, 0x02])) return classifyV4(embeddedV4(bytes, 2)); // 6to4
  if (startsWith(bytes, [0x20, 0x01, 0x00, 0x00])) return "reserved"; // Teredo
  if (startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8])) return "reserved"; // documentation
  if (startsWith(bytes, [0x01, 0, 0, 0, 0, 0, 0, 0])) return "reserved"; // discard-only 100::/64
  const first = bytes[0] ?? 0;
  const second = bytes[1] ?? 0;
  if (first === 0xff) return "multicast";
  if ((first & 0xfe) === 0xfc) return "private"; // unique local fc00::/7
  if (first === 0xfe && (second & 0xc0) === 0x80) return "link_local"; // fe80::/10
  if (first === 0xfe && (second & 0xc0) === 0xc0) return "private"; // site-local fec0::/10
  // Only 2000::/3 is assigned as global unicast; the rest is reserved.
  if ((first & 0xe0) !== 0x20) return "reserved";
  return "public";
}

/** The class of an IPv4 or IPv6 address given as text. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address.replace(/%.*$/, ""));
  if (family === 4) return classifyV4(v4(address));
  if (family === 6) {
    const bytes = parseIpv6(address);
    return bytes ? classifyV6(bytes) : "invalid";
  }
  return "invalid";
}

/** One canonical text per address, so `::ffff:10.0.0.1` and `10.0.0.1` compare equal. */
export function canonicalAddress(address: string): string {
  const plain = address.replace(/%.*$/, "");
  if (isIP(plain) === 4) return plain;
  const bytes = parseIpv6(plain);
  if (!bytes) return plain;
  const zero10 = bytes.subarray(0, 10).every((b) => b === 0);
  if (zero10 && bytes[10] === 0xff && bytes[11] === 0xff) {
    return [12, 13, 14, 15].map((i) => bytes[i]).join(".");
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(":");
}
