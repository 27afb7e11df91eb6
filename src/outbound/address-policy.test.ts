import assert from "node:assert/strict";
import { it } from "node:test";
import { type AddressClass, canonicalAddress, classifyAddress } from "./address-policy.js";

const CASES: [string, AddressClass][] = [
  // IPv4
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["100.63.255.255", "public"],
  ["100.64.0.1", "shared"],
  ["100.127.255.255", "shared"],
  ["100.128.0.0", "public"],
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["169.254.169.254", "link_local"],
  ["169.254.0.1", "link_local"],
  ["172.15.255.255", "public"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["172.32.0.0", "public"],
  ["192.0.0.8", "reserved"],
  ["192.0.2.1", "reserved"],
  ["192.88.99.1", "reserved"],
  ["192.168.1.1", "private"],
  ["192.169.0.1", "public"],
  ["198.18.0.1", "reserved"],
  ["198.19.255.255", "reserved"],
  ["198.20.0.0", "public"],
  ["198.51.100.7", "reserved"],
  ["203.0.113.9", "reserved"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.255", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "reserved"],
  ["1.1.1.1", "public"],
  ["8.8.8.8", "public"],
  ["142.250.74.110", "public"],
  // IPv6
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.0.0.1", "private"],
  ["::ffff:169.254.169.254", "link_local"],
  ["::ffff:8.8.8.8", "public"],
  ["::127.0.0.1", "loopback"],
  ["::ffff:0:127.0.0.1", "loopback"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a00:1", "private"],
  ["64:ff9b::808:808", "public"],
  ["64:ff9b:1::1", "private"],
  ["2002:7f00:1::", "loopback"],
  ["2002:c0a8:101::1", "private"],
  ["2002:808:808::1", "public"],
  ["2001:0:4136:e378::1", "reserved"],
  ["2001:db8::1", "reserved"],
  ["100::1", "reserved"],
  ["fc00::1", "private"],
  ["fd12:3456:789a::1", "private"],
  ["fe80::1", "link_local"],
  ["fe80::1%eth0", "link_local"],
  ["febf::1", "link_local"],
  ["fec0::1", "private"],
  ["ff02::1", "multicast"],
  ["ff0e::1", "multicast"],
  ["4000::1", "reserved"],
  ["2606:4700:4700::1111", "public"],
  ["2a00:1450:4001:80b::200e", "public"],
  // Not addresses
  ["localhost", "invalid"],
  ["", "invalid"],
  ["1.2.3", "invalid"],
  ["::g", "invalid"],
];

it("classifies every kind of IPv4 and IPv6 address", () => {
  for (const [address, expected] of CASES) {
    assert.equal(classifyAddress(address), expected, address);
  }
});

it("writes mapped and expanded forms of one address alike", () => {
  assert.equal(canonicalAddress("::ffff:10.0.0.1"), "10.0.0.1");
  assert.equal(canonicalAddress("::ffff:a00:1"), "10.0.0.1");
  assert.equal(canonicalAddress("0:0::1"), canonicalAddress("::1"));
  assert.equal(canonicalAddress("2001:DB8::1"), canonicalAddress("2001:db8:0:0:0:0:0:1"));
  assert.equal(canonicalAddress("192.0.2.1"), "192.0.2.1");
});

it("refuses every IPv4 address outside public space, checked across whole ranges", () => {
  // Every /8 sampled at its first, middle and last address: the class is the same as the
  // one the ranges above say, and no non-public range lets a neighbour through.
  for (let a = 0; a < 256; a++) {
    for (const rest of ["0.0.1", "128.0.0", "255.255.254"]) {
      const address = `${a}.${rest}`;
      const kind = classifyAddress(address);
      const mapped = classifyAddress(`::ffff:${address}`);
      assert.equal(mapped, kind, `${address} mapped`);
      if (a === 10 || a === 127 || a === 0 || a >= 224) assert.notEqual(kind, "public", address);
    }
  }
});
