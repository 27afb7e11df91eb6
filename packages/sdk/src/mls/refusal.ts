/**
 * Why a device's MLS layer refused a message or a change (docs/E2EE.md, "The SDK's MLS
 * layer"): a code for the caller to act on, and a sentence for a person.
 */
/** Why a device refused a message of the group. */
export type RefusalCode =
  /** Not an MLS message of a kind this group takes. */
  | "malformed"
  /** For another group. */
  | "wrong_group"
  /** A handshake message from a later epoch: one before it never arrived. */
  | "epoch_ahead"
  /** A handshake message from an epoch this device has left: replayed, or a fork. */
  | "epoch_behind"
  /** Does not decrypt or verify in this group. */
  | "undecryptable"
  /** This device's own change to the group waits for the server. */
  | "change_pending"
  /** A device named for removal is not in the group. */
  | "not_a_member"
  /** A key package or welcome this device cannot use. */
  | "bad_key_package"
  /** No welcome in the conversation's history is for this device: nobody added it yet. */
  | "no_welcome";

export class GroupRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "GroupRefusal";
  }
}
