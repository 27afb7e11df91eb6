/**
 * One device's view of one encrypted conversation: an MLS group (RFC 9420) over ts-mls.
 *
 * The server orders every handshake message of the conversation in its gapless sequence
 * and takes one commit per epoch (docs/E2EE.md, "The server as delivery service"). This
 * class is the device's half of that bargain: it applies handshake messages strictly in
 * epoch order and refuses, with a reason, any that does not fit (a server that dropped,
 * reordered or forked one); it never moves on from a state it doubts. Its own commit
 * waits as pending until the server's sequence carries it back (or another member's
 * commit wins the epoch, and this one is dropped for the caller to redo).
 */
import {
  acceptAll,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  type Decoder,
  decodeGroupState,
  decodeMlsMessage,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  joinGroup,
  type MLSMessage,
  type PrivateMessage,
  type Proposal,
  processMessage,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { decodeKeyPackage, makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import type { RatchetTree } from "ts-mls/ratchetTree.js";
import { leafToNodeIndex, toLeafIndex } from "ts-mls/treemath.js";
import type { DeviceKeys, HeldKeyPackage } from "./device.js";
import { type DeviceName, deviceOf, identityBytes } from "./identity.js";
import { GroupRefusal } from "./refusal.js";
import { cipherSuite } from "./suite.js";

export { GroupRefusal, type RefusalCode } from "./refusal.js";

/** A change to the group for the server: the commit, and the welcome for added devices. */
export interface Change {
  commit: Uint8Array;
  welcome?: Uint8Array;
  /** The epoch the group is in once the server has taken the commit. */
  epoch: bigint;
}

export type Received =
  | { kind: "message"; plaintext: Uint8Array; sender: DeviceName; epoch: bigint }
  /** Another member's commit, applied: the group is now in `epoch`. */
  | { kind: "change"; epoch: bigint }
  /** This device's pending commit came back in the sequence, and is now in force. */
  | { kind: "own_change"; epoch: bigint };

interface Pending {
  commit: Uint8Array;
  welcome?: Uint8Array;
  state: ClientState;
}

/**
 * A commit this device sent (or is about to) and the state it leads to, as bytes: kept
 * beside the group's own state from before the commit is sent until it comes back, so
 * a device that stops in between still knows the commit as its own.
 */
export interface SavedChange {
  commit: Uint8Array;
  welcome?: Uint8Array;
  state: Uint8Array;
}

/** What `decoder` reads from all of `bytes`, or undefined (the decoders may also throw). */
function decodeWhole<T>(decoder: Decoder<T>, bytes: Uint8Array): T | undefined {
  try {
    const decoded = decoder(bytes, 0);
    return decoded && decoded[1] === bytes.length ? decoded[0] : undefined;
  } catch {
    return undefined;
  }
}

function decode(bytes: Uint8Array): MLSMessage {
  const message = decodeWhole(decodeMlsMessage, bytes);
  if (!message) throw new GroupRefusal("malformed", "not one whole MLS message");
  return message;
}

function loadState(saved: Uint8Array): ClientState {
  const state = decodeWhole(decodeGroupState, saved);
  if (!state) throw new GroupRefusal("malformed", "not a saved group");
  return { ...state, clientConfig: defaultClientConfig };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function leafDevice(tree: RatchetTree, leafIndex: number): DeviceName {
  const node = tree[leafToNodeIndex(toLeafIndex(leafIndex))];
  const device = node?.nodeType === "leaf" ? deviceOf(node.leaf.credential) : undefined;
  if (!device) throw new GroupRefusal("undecryptable", "the sender's leaf names no device");
  return device;
}

/** The group's bytes for a conversation id: its UTF-8. */
export function groupIdOf(conversationId: string): Uint8Array {
  return new TextEncoder().encode(conversationId);
}

export class EncryptedGroup {
  private pending: Pending | undefined;
  /**
   * The tail of the operations that change the state, one at a time: each reads the
   * state, awaits the library, then writes the state back, so two at once (a message
   * encrypted while one arrives) would lose one's change, and a key would be used twice.
   */
  private turn: Promise<unknown> = Promise.resolve();

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.turn.then(operation, operation);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private constructor(
    private state: ClientState,
    readonly device: DeviceKeys,
  ) {}

  /** A new group with this device alone, at epoch 0. */
  static async create(
    device: DeviceKeys,
    conversationId: string,
    own: HeldKeyPackage,
  ): Promise<EncryptedGroup> {
    const state = await createGroup(
      groupIdOf(conversationId),
      own.publicPackage,
      own.privatePackage,
      [],
      await cipherSuite(),
    );
    return new EncryptedGroup(state, device);
  }

  /** Joins from a welcome made for one of the key packages this device holds. */
  static async join(
    device: DeviceKeys,
    welcomeBytes: Uint8Array,
    held: HeldKeyPackage[],
  ): Promise<EncryptedGroup> {
    const message = decode(welcomeBytes);
    if (message.wireformat !== "mls_welcome") throw new GroupRefusal("malformed", "not a welcome");
    const suite = await cipherSuite();
    const wanted = message.welcome.secrets.map((s) => s.newMember);
    for (const candidate of held) {
      const ref = await makeKeyPackageRef(candidate.publicPackage, suite.hash);
      if (!wanted.some((w) => sameBytes(w, ref))) continue;
      try {
        const state = await joinGroup(
          message.welcome,
          candidate.publicPackage,
          candidate.privatePackage,
          emptyPskIndex,
          suite,
        );
        return new EncryptedGroup(state, device);
      } catch (err) {
        throw new GroupRefusal("undecryptable", `the welcome does not open: ${String(err)}`);
      }
    }
    throw new GroupRefusal("bad_key_package", "the welcome is for none of this device's keys");
  }

  /** A group saved by `save()`, with its pending commit from `savePending()` if any. */
  static load(device: DeviceKeys, saved: Uint8Array, pending?: SavedChange): EncryptedGroup {
    const group = new EncryptedGroup(loadState(saved), device);
    if (pending) group.pending = { ...pending, state: loadState(pending.state) };
    return group;
  }

  /** The group's state as bytes, for the device's own store (it holds private keys). */
  save(): Uint8Array {
    return encodeGroupState(this.state);
  }

  /** The commit waiting for the server, and the state it leads to, for the device's store. */
  savePending(): SavedChange | undefined {
    const pending = this.pending;
    return pending && { ...pending, state: encodeGroupState(pending.state) };
  }

  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }

  /**
   * RFC 9420 §8.7: equal on two devices only if they are in the same epoch of the same
   * group. Shown beside the safety number, so two people who compare can see a split.
   */
  get epochAuthenticator(): Uint8Array {
    return this.state.keySchedule.epochAuthenticator;
  }

  get changePending(): boolean {
    return this.pending !== undefined;
  }

  /** The devices in the group, in leaf order. */
  members(): DeviceName[] {
    const found: DeviceName[] = [];
    for (const node of this.state.ratchetTree) {
      if (node?.nodeType !== "leaf") continue;
      const device = deviceOf(node.leaf.credential);
      if (device) found.push(device);
    }
    return found;
  }

  /** Adds the devices whose key packages (as the server hands them out) are given. */
  async add(keyPackages: Uint8Array[]): Promise<Change> {
    const proposals: Proposal[] = keyPackages.map((bytes) => {
      const keyPackage = decodeWhole(decodeKeyPackage, bytes);
      if (!keyPackage) throw new GroupRefusal("bad_key_package", "not one whole key package");
      if (!deviceOf(keyPackage.leafNode.credential))
        throw new GroupRefusal("bad_key_package", "the key package names no device");
      return { proposalType: "add", add: { keyPackage } };
    });
    return this.change(proposals);
  }

  /** Removes devices from the group; their later messages and ours are closed to them. */
  async remove(devices: DeviceName[]): Promise<Change> {
    const proposals: Proposal[] = devices.map((device) => {
      const identity = identityBytes(device);
      const leafIndex = this.state.ratchetTree.findIndex(
        (n) =>
          n?.nodeType === "leaf" &&
          n.leaf.credential.credentialType === "basic" &&
          sameBytes(n.leaf.credential.identity, identity),
      );
      if (leafIndex < 0)
        throw new GroupRefusal("not_a_member", `${device.userId}:${device.deviceId} is not in it`);
      return { proposalType: "remove", remove: { removed: leafIndex / 2 } };
    });
    return this.change(proposals);
  }

  private change(proposals: Proposal[]): Promise<Change> {
    return this.exclusive(() => this.commit(proposals));
  }

  private async commit(proposals: Proposal[]): Promise<Change> {
    if (this.pending) throw new GroupRefusal("change_pending", "a change already waits");
    let result: Awaited<ReturnType<typeof createCommit>>;
    try {
      result = await createCommit(
        { state: this.state, cipherSuite: await cipherSuite() },
        { extraProposals: proposals, ratchetTreeExtension: true },
      );
    } catch (err) {
      throw new GroupRefusal("bad_key_package", `the change cannot be made: ${String(err)}`);
    }
    const commit = encodeMlsMessage(result.commit);
    const welcome = result.welcome
      ? encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome })
      : undefined;
    this.pending = { commit, ...(welcome ? { welcome } : {}), state: result.newState };
    return { commit, ...(welcome ? { welcome } : {}), epoch: result.newState.groupContext.epoch };
  }

  /** The server refused this device's pending commit: forget it (redo it after syncing). */
  dropPending(): void {
    this.pending = undefined;
  }

  /** An application message for the group, encrypted in the current epoch. */
  encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    return this.exclusive(() => this.seal(plaintext));
  }

  private async seal(plaintext: Uint8Array): Promise<Uint8Array> {
    if (this.pending)
      throw new GroupRefusal("change_pending", "a change to the group waits for the server");
    const { newState, privateMessage } = await createApplicationMessage(
      this.state,
      plaintext,
      await cipherSuite(),
    );
    this.state = newState;
    return encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage,
    });
  }

  /** Applies the next message of the conversation's sequence. */
  receive(bytes: Uint8Array): Promise<Received> {
    return this.exclusive(() => this.apply(bytes));
  }

  private async apply(bytes: Uint8Array): Promise<Received> {
    if (this.pending && sameBytes(bytes, this.pending.commit)) {
      this.state = this.pending.state;
      this.pending = undefined;
      return { kind: "own_change", epoch: this.epoch };
    }
    const message = decode(bytes);
    if (message.wireformat !== "mls_private_message")
      throw new GroupRefusal("malformed", `a ${message.wireformat} is not a group message`);
    const pm = message.privateMessage;
    if (!sameBytes(pm.groupId, this.state.groupContext.groupId))
      throw new GroupRefusal("wrong_group", "the message is for another group");
    if (pm.epoch > this.epoch)
      throw new GroupRefusal(
        "epoch_ahead",
        `a message of epoch ${pm.epoch} while this device is in ${this.epoch}: a change is missing`,
      );
    if (pm.contentType === "application") return this.open(pm);
    if (pm.epoch < this.epoch)
      throw new GroupRefusal(
        "epoch_behind",
        `a change made in epoch ${pm.epoch}, which this device has left`,
      );
    // Another member's commit holds this epoch: the server took theirs, not ours.
    this.pending = undefined;
    try {
      const result = await processMessage(
        message,
        this.state,
        emptyPskIndex,
        acceptAll,
        await cipherSuite(),
      );
      this.state = result.newState;
    } catch (err) {
      throw new GroupRefusal("undecryptable", `the change does not verify: ${String(err)}`);
    }
    return { kind: "change", epoch: this.epoch };
  }

  /**
   * Decrypts an application message and names its sender's device. ts-mls returns the
   * plaintext but not the sender, so this takes its own path through the same steps
   * (processPrivateMessage's application branch): the current epoch's secrets, or those
   * kept for an earlier one, for messages sent just before a change.
   */
  private async open(pm: PrivateMessage): Promise<Received> {
    const suite = await cipherSuite();
    const current = pm.epoch === this.epoch;
    const earlier = current ? undefined : this.state.historicalReceiverData.get(pm.epoch);
    const receiver = current
      ? {
          senderDataSecret: this.state.keySchedule.senderDataSecret,
          secretTree: this.state.secretTree,
          ratchetTree: this.state.ratchetTree,
          groupContext: this.state.groupContext,
        }
      : earlier;
    if (!receiver) throw new GroupRefusal("undecryptable", `epoch ${pm.epoch} is too old`);
    let result: Awaited<ReturnType<typeof unprotectPrivateMessage>>;
    try {
      result = await unprotectPrivateMessage(
        receiver.senderDataSecret,
        pm,
        receiver.secretTree,
        receiver.ratchetTree,
        receiver.groupContext,
        this.state.clientConfig.keyRetentionConfig,
        suite,
      );
    } catch (err) {
      throw new GroupRefusal("undecryptable", `the message does not open: ${String(err)}`);
    }
    const { content } = result.content;
    if (content.contentType !== "application" || content.sender.senderType !== "member")
      throw new GroupRefusal("malformed", "not an application message from a member");
    const sender = leafDevice(receiver.ratchetTree, content.sender.leafIndex);
    // The used key is deleted from the tree (forward secrecy): keep the tree that forgot it.
    if (earlier) {
      const kept = new Map(this.state.historicalReceiverData);
      kept.set(pm.epoch, { ...earlier, secretTree: result.tree });
      this.state = { ...this.state, historicalReceiverData: kept };
    } else this.state = { ...this.state, secretTree: result.tree };
    return { kind: "message", plaintext: content.applicationData, sender, epoch: pm.epoch };
  }
}
