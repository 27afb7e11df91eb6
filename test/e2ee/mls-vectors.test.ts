/**
 * The MLS working group's passive-client test vectors (RFC 9420), run against the pinned
 * ts-mls that end-to-end encrypted conversations are to be built on (docs/E2EE.md). Each
 * vector is a client that joins a group from a Welcome made by another implementation
 * and then processes that group's proposals and commits; after each epoch its epoch
 * authenticator must equal the one the vector's author computed. Agreement on every
 * epoch means agreement on the whole key schedule, the ratchet tree, TreeKEM and the
 * transcript, with code this project did not write.
 *
 * The vectors are cipher suite 1 only (the suite docs/E2EE.md chooses), cut from
 * mlswg/mls-implementations at commit cfd450286d1bfd9cd2519b95c80f9771f94a5b1a:
 * - test-vectors/passive-client-welcome.json, SHA-256 92ebb04b67b1aca4290965ae363650921842ceebe275bd79a2733414078d849c
 * - test-vectors/passive-client-handling-commit.json, SHA-256 b24949fdf857bf79d511f57504a8bdc7ce3247eb199684745e439c11b1a1da21
 * The cut files' own digests are checked below, so that an edited vector fails loudly.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  acceptAll,
  type ClientState,
  decodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  makePskIndex,
  processMessage,
} from "ts-mls";
import { decodeRatchetTree } from "ts-mls/ratchetTree.js";

interface PassiveClientVector {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

const VECTORS = {
  "passive-client-welcome.suite1.json":
    "3dfd05a7dd4aed87f769ed5efafd073119e80bf21c988d1c144476a56651d861",
  "passive-client-handling-commit.suite1.json":
    "a7c20403722fd735f70620f4cd565eeda619e4163082722e7799ab57a0b4bdf1",
} as const;

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const hex = (value: Uint8Array) => Buffer.from(value).toString("hex");

function decode(hexMessage: string, what: string) {
  const decoded = decodeMlsMessage(bytes(hexMessage), 0);
  assert.ok(decoded, `the ${what} does not decode`);
  return decoded[0];
}

async function runPassiveClient(vector: PassiveClientVector): Promise<void> {
  const suite = await getCiphersuiteImpl(
    getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"),
  );
  const keyPackage = decode(vector.key_package, "key package");
  const welcome = decode(vector.welcome, "welcome");
  assert.equal(keyPackage.wireformat, "mls_key_package");
  assert.equal(welcome.wireformat, "mls_welcome");
  if (keyPackage.wireformat !== "mls_key_package" || welcome.wireformat !== "mls_welcome") return;
  const psks = Object.fromEntries(
    vector.external_psks.map((p) => [
      Buffer.from(p.psk_id, "hex").toString("base64"),
      bytes(p.psk),
    ]),
  );
  const tree =
    vector.ratchet_tree === null
      ? undefined
      : decodeRatchetTree(bytes(vector.ratchet_tree), 0)?.[0];
  let state: ClientState = await joinGroup(
    welcome.welcome,
    keyPackage.keyPackage,
    {
      initPrivateKey: bytes(vector.init_priv),
      hpkePrivateKey: bytes(vector.encryption_priv),
      signaturePrivateKey: bytes(vector.signature_priv),
    },
    makePskIndex(undefined, psks),
    suite,
    tree,
  );
  assert.equal(hex(state.keySchedule.epochAuthenticator), vector.initial_epoch_authenticator);
  for (const [n, epoch] of vector.epochs.entries()) {
    for (const hexMessage of [...epoch.proposals, epoch.commit]) {
      const message = decode(hexMessage, `message of epoch ${n}`);
      assert.ok(
        message.wireformat === "mls_private_message" || message.wireformat === "mls_public_message",
        `epoch ${n}: a handshake message has wire format ${message.wireformat}`,
      );
      if (
        message.wireformat !== "mls_private_message" &&
        message.wireformat !== "mls_public_message"
      )
        return;
      const result = await processMessage(
        message,
        state,
        makePskIndex(state, psks),
        acceptAll,
        suite,
      );
      state = result.newState;
    }
    assert.equal(
      hex(state.keySchedule.epochAuthenticator),
      epoch.epoch_authenticator,
      `epoch ${n}: the epoch authenticator differs`,
    );
  }
}

for (const [file, digest] of Object.entries(VECTORS)) {
  describe(`MLS test vectors: ${file}`, () => {
    const text = readFileSync(new URL(`vectors/${file}`, import.meta.url));
    const vectors = JSON.parse(text.toString("utf8")) as PassiveClientVector[];

    it("are the vectors as cut from the working group's files", () => {
      assert.equal(createHash("sha256").update(text).digest("hex"), digest);
      assert.ok(vectors.length > 0);
      assert.ok(vectors.every((v) => v.cipher_suite === 1));
    });

    // The Welcome vectors end at the join: only the commit vectors have commits to change.
    const withCommits = vectors.find((v) => v.epochs.length > 0);
    if (withCommits) {
      it("refuses a commit with one byte changed", async () => {
        const vector = withCommits;
        const first = vector.epochs[0];
        assert.ok(first);
        // The last byte is inside the signature or the AEAD tag either way.
        const commit = Buffer.from(first.commit, "hex");
        commit[commit.length - 1] = (commit[commit.length - 1] ?? 0) ^ 0x01;
        const tampered = [{ ...first, commit: commit.toString("hex") }, ...vector.epochs.slice(1)];
        await assert.rejects(runPassiveClient({ ...vector, epochs: tampered }));
      });
    }

    for (const [index, vector] of vectors.entries()) {
      it(`vector ${index}: joins from the Welcome and agrees on every epoch (${vector.epochs.length})`, async () => {
        await runPassiveClient(vector);
      });
    }
  });
}
