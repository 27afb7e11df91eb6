/**
 * The SDK's MLS layer (packages/sdk/src/mls) between devices, with the server's part
 * played by the test: it hands each device the conversation's handshake and application
 * messages in one order, or, where a test says so, drops, reorders or forks them. What
 * must hold: members read each other, a removed device reads nothing after, a device
 * catches up through many changes, and a device refuses (with a reason) anything that
 * does not fit the order, rather than diverging.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createDeviceKeys,
  type DeviceKeys,
  EncryptedGroup,
  GroupRefusal,
  type HeldKeyPackage,
  makeKeyPackages,
  type RefusalCode,
} from "@private-chat/sdk/mls";

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

interface Device {
  keys: DeviceKeys;
  held: HeldKeyPackage[];
}

async function device(userId: string, deviceId: string): Promise<Device> {
  const keys = await createDeviceKeys({ userId, deviceId });
  return { keys, held: await makeKeyPackages(keys, 2) };
}

function keyPackageOf(d: Device): Uint8Array {
  return (d.held[0] as HeldKeyPackage).encoded;
}

async function refused(promise: Promise<unknown>, code: RefusalCode): Promise<void> {
  await assert.rejects(promise, (err) => err instanceof GroupRefusal && err.code === code);
}

/** Alice's device makes the group and adds Bob's and Carol's: all three at epoch 1. */
async function threeMembers() {
  const [a, b, c] = await Promise.all([
    device("alice", "a1"),
    device("bob", "b1"),
    device("carol", "c1"),
  ]);
  const alice = await EncryptedGroup.create(a.keys, "conv-1", a.held[1] as HeldKeyPackage);
  const added = await alice.add([keyPackageOf(b), keyPackageOf(c)]);
  assert.ok(added.welcome);
  assert.deepEqual(await alice.receive(added.commit), { kind: "own_change", epoch: 1n });
  const bob = await EncryptedGroup.join(b.keys, added.welcome, b.held);
  const carol = await EncryptedGroup.join(c.keys, added.welcome, c.held);
  return { alice, bob, carol, devices: { a, b, c } };
}

describe("the SDK's MLS layer", () => {
  it("members read each other, and know which device sent what", async () => {
    const { alice, bob, carol } = await threeMembers();
    assert.equal(bob.epoch, 1n);
    assert.deepEqual(
      bob.members().map((m) => `${m.userId}:${m.deviceId}`),
      ["alice:a1", "bob:b1", "carol:c1"],
    );
    assert.deepEqual(bob.epochAuthenticator, alice.epochAuthenticator);
    const hello = await alice.encrypt(text("hello, team"));
    for (const reader of [bob, carol]) {
      const got = await reader.receive(hello);
      assert.equal(got.kind, "message");
      if (got.kind !== "message") return;
      assert.equal(read(got.plaintext), "hello, team");
      assert.deepEqual(got.sender, { userId: "alice", deviceId: "a1" });
    }
    const reply = await bob.encrypt(text("hi"));
    const got = await alice.receive(reply);
    assert.equal(got.kind === "message" && got.sender.userId, "bob");
    // A message is opened once: its key is gone after (forward secrecy).
    await refused(alice.receive(reply), "undecryptable");
  });

  it("encrypts and receives at once without losing either's change", async () => {
    const { alice, bob, carol } = await threeMembers();
    const fromAlice = await Promise.all(
      Array.from({ length: 10 }, (_, i) => alice.encrypt(text(`alice ${i}`))),
    );
    // Bob sends while alice's messages arrive: both use and move the same state.
    const [mine, theirs] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, (_, i) => bob.encrypt(text(`bob ${i}`)))),
      Promise.all(fromAlice.map((m) => bob.receive(m))),
    ]);
    assert.deepEqual(
      theirs.map((r) => r.kind === "message" && read(r.plaintext)),
      fromAlice.map((_, i) => `alice ${i}`),
    );
    for (const reader of [alice, carol]) {
      const got = [];
      for (const m of mine) got.push(await reader.receive(m));
      assert.deepEqual(
        got.map((r) => r.kind === "message" && read(r.plaintext)),
        mine.map((_, i) => `bob ${i}`),
      );
    }
  });

  it("a removed device reads nothing sent after, even from the state it kept", async () => {
    const { alice, bob, carol } = await threeMembers();
    const kept = carol.save();
    const removal = await alice.remove([{ userId: "carol", deviceId: "c1" }]);
    assert.equal(removal.welcome, undefined);
    await alice.receive(removal.commit);
    assert.deepEqual(await bob.receive(removal.commit), { kind: "change", epoch: 2n });
    const secret = await alice.encrypt(text("after carol left"));
    const got = await bob.receive(secret);
    assert.equal(got.kind === "message" && read(got.plaintext), "after carol left");
    // Carol's device, from its state before the removal and from the removal itself.
    const before = EncryptedGroup.load(carol.device, kept);
    await refused(before.receive(secret), "epoch_ahead");
    await carol.receive(removal.commit).catch(() => undefined);
    await assert.rejects(carol.receive(secret), GroupRefusal);
    assert.ok(!bob.members().some((m) => m.userId === "carol"));
  });

  it("a device offline through 50 changes catches up in order, then reads", async () => {
    const { alice, bob, carol } = await threeMembers();
    const saved = carol.save();
    const commits: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) {
      // An empty commit: a fresh path of keys for Alice's device, a new epoch for all.
      const change = await alice.add([]);
      await alice.receive(change.commit);
      await bob.receive(change.commit);
      commits.push(change.commit);
    }
    const latest = await alice.encrypt(text("still here?"));
    const back = EncryptedGroup.load(carol.device, saved);
    await refused(back.receive(latest), "epoch_ahead");
    for (const commit of commits) await back.receive(commit);
    assert.equal(back.epoch, 51n);
    assert.deepEqual(back.epochAuthenticator, bob.epochAuthenticator);
    const got = await back.receive(latest);
    assert.equal(got.kind === "message" && read(got.plaintext), "still here?");
  });

  it("refuses a dropped, reordered or replayed change, and never diverges", async () => {
    const { alice, bob, carol } = await threeMembers();
    const first = await alice.add([]);
    await alice.receive(first.commit);
    const second = await alice.add([]);
    await alice.receive(second.commit);
    // The server withholds the first change: Bob is shown the second one.
    await refused(bob.receive(second.commit), "epoch_ahead");
    assert.equal(bob.epoch, 1n);
    await bob.receive(first.commit);
    await bob.receive(second.commit);
    // Replayed: a change of an epoch Bob has left.
    await refused(bob.receive(first.commit), "epoch_behind");
    // Carol gets them in order and agrees with both.
    await carol.receive(first.commit);
    await carol.receive(second.commit);
    assert.deepEqual(carol.epochAuthenticator, alice.epochAuthenticator);
    assert.deepEqual(bob.epochAuthenticator, alice.epochAuthenticator);
  });

  it("two members change the group at once: the one the server takes wins, the other redoes", async () => {
    const { alice, bob, carol, devices } = await threeMembers();
    const dave = await device("dave", "d1");
    const fromAlice = await alice.add([keyPackageOf(dave)]);
    const fromBob = await bob.remove([{ userId: "carol", deviceId: "c1" }]);
    assert.equal(fromAlice.epoch, fromBob.epoch);
    await refused(bob.encrypt(text("while pending")), "change_pending");
    // The server takes Alice's, answers Bob's with epoch_conflict, and sends Alice's on.
    await alice.receive(fromAlice.commit);
    assert.deepEqual(await bob.receive(fromAlice.commit), { kind: "change", epoch: 2n });
    assert.equal(bob.changePending, false);
    await carol.receive(fromAlice.commit);
    // Bob's losing commit, if a server passed it on anyway, is refused by everyone.
    await refused(carol.receive(fromBob.commit), "epoch_behind");
    const daveGroup = await EncryptedGroup.join(
      dave.keys,
      fromAlice.welcome as Uint8Array,
      dave.held,
    );
    // Bob redoes his change in the new epoch.
    const again = await bob.remove([{ userId: "carol", deviceId: "c1" }]);
    await bob.receive(again.commit);
    await alice.receive(again.commit);
    await daveGroup.receive(again.commit);
    const note = await daveGroup.encrypt(text("hi from dave"));
    for (const reader of [alice, bob]) {
      const got = await reader.receive(note);
      assert.equal(got.kind === "message" && read(got.plaintext), "hi from dave");
    }
    assert.equal(devices.c.keys.userId, "carol");
  });

  it("opens a message sent just before a change that arrived first", async () => {
    const { alice, bob, carol } = await threeMembers();
    const late = await bob.encrypt(text("sent in epoch 1"));
    const change = await alice.add([]);
    await alice.receive(change.commit);
    await carol.receive(change.commit);
    const got = await carol.receive(late);
    assert.equal(got.kind === "message" && got.epoch, 1n);
  });

  it("refuses garbage, a changed byte, another group's message and a stranger's welcome", async () => {
    const { alice, bob } = await threeMembers();
    await refused(bob.receive(new Uint8Array([1, 2, 3])), "malformed");
    const sealed = await alice.encrypt(text("x"));
    const flipped = sealed.slice();
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] as number) ^ 1;
    await refused(bob.receive(flipped), "undecryptable");
    await refused(bob.receive(new Uint8Array([...sealed, 0])), "malformed");
    const other = await device("olga", "o1");
    const elsewhere = await EncryptedGroup.create(
      other.keys,
      "conv-2",
      other.held[0] as HeldKeyPackage,
    );
    await refused(bob.receive(await elsewhere.encrypt(text("y"))), "wrong_group");
    const stranger = await device("sam", "s1");
    const change = await alice.add([keyPackageOf(stranger)]);
    const outsider = await device("eve", "e1");
    await refused(
      EncryptedGroup.join(outsider.keys, change.welcome as Uint8Array, outsider.held),
      "bad_key_package",
    );
  });
});
