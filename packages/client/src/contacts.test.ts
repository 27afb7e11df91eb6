import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PublicDeviceView } from "@private-chat/sdk";
import { contactOf, deviceChangeLine, markVerified, noteDevices } from "./contacts.js";

const device = (id: string, name: string): PublicDeviceView => ({
  id: `${id}0000000-0000-4000-8000-000000000000`,
  name,
  signature_key: id.repeat(43).slice(0, 43),
  created_at: 0,
});
const phone = device("a", "phone");
const laptop = device("b", "laptop");

describe("contacts: the devices seen and verified", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "contacts-test-"));
    process.env.CHAT_CLIENT_CONFIG_DIR = dir;
  });
  after(() => {
    delete process.env.CHAT_CLIENT_CONFIG_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes a person's devices as they are the first time, in a file only its owner reads", async () => {
    assert.equal(await noteDevices("me", "bob", [phone]), undefined);
    assert.deepEqual(contactOf("me", "bob"), { seen: [phone.signature_key], verified: [] });
    assert.equal(statSync(join(dir, "contacts-me.json")).mode & 0o777, 0o600);
    assert.equal(await noteDevices("me", "bob", [phone]), undefined);
  });

  it("tells a device added or removed, and whether the person had been verified", async () => {
    const added = await noteDevices("me", "bob", [phone, laptop]);
    assert.deepEqual(added, { added: [laptop], removed: 0, wasVerified: false });
    assert.equal(
      deviceChangeLine("@bob", added ?? assert.fail()),
      '@bob has a new device for encrypted chats: "laptop" (b0000000)',
    );
    await markVerified("me", "bob", [phone, laptop]);
    const removed = await noteDevices("me", "bob", [phone]);
    assert.deepEqual(removed, { added: [], removed: 1, wasVerified: true });
    assert.equal(
      deviceChangeLine("@bob", removed ?? assert.fail()),
      "@bob removed 1 device; @bob is no longer verified: compare safety numbers again with chat-client verify @bob",
    );
    // What was verified stays so: the same key back again is the same device.
    assert.deepEqual(
      contactOf("me", "bob")?.verified,
      [phone.signature_key, laptop.signature_key].sort(),
    );
  });

  it("says a new device on one's own account, and how to remove it", () => {
    const line = deviceChangeLine(undefined, { added: [laptop], removed: 0, wasVerified: false });
    assert.match(
      line,
      /^your account has a new device for encrypted chats: "laptop" \(b0000000\); if it is not yours, remove it with chat-client devices remove <id>$/,
    );
  });
});
