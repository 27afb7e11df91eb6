import assert from "node:assert/strict";
import { it } from "node:test";
import { argon2idAsync } from "@noble/hashes/argon2.js";
import {
  BackupKeyRefused,
  ChunkRefused,
  chunkIdOf,
  newBackupKey,
  normalisedPassphrase,
  openChunk,
  passphraseChars,
  passphraseKey,
  sealChunk,
  unwrapBackupKey,
  wrapBackupKey,
} from "./key-backup.js";
import { fromBase64Url, toBase64Url } from "./register.js";

const encoder = new TextEncoder();

it("derives the passphrase's key as every argon2id does, so older backups still open", async () => {
  const passphrase = "correct horse battery staple";
  const kdf = {
    algorithm: "argon2id" as const,
    memory_kib: 19_456,
    iterations: 2,
    parallelism: 1,
    salt: toBase64Url(new Uint8Array(16).fill(7)),
  };
  const key = await passphraseKey(passphrase, kdf);
  // The reference implementation's answer (libargon2 through @node-rs/argon2, as the
  // server hashes passwords), and the JavaScript one earlier versions derived with.
  const expected = "799f12b9e17710824482d829835acb69f5a9355bf774c4f07342823b11b90928";
  assert.equal(Buffer.from(key).toString("hex"), expected);
  const before = await argon2idAsync(encoder.encode(passphrase), new Uint8Array(16).fill(7), {
    m: 19_456,
    t: 2,
    p: 1,
    dkLen: 32,
  });
  assert.equal(Buffer.from(before).toString("hex"), expected);
});

it("wraps the backup key under a passphrase and opens it with that one only", async () => {
  const key = newBackupKey();
  const wrapped = await wrapBackupKey(key, "correct horse battery staple");
  assert.equal(wrapped.kdf.algorithm, "argon2id");
  assert.equal(wrapped.wrapped_key.length, 80);
  assert.deepEqual(await unwrapBackupKey(wrapped, "correct horse battery staple"), key);
  await assert.rejects(unwrapBackupKey(wrapped, "correct horse battery stapl"), BackupKeyRefused);
  // Another salt: the same passphrase wraps the same key differently.
  const again = await wrapBackupKey(key, "correct horse battery staple");
  assert.notEqual(again.kdf.salt, wrapped.kdf.salt);
  assert.notEqual(again.wrapped_key, wrapped.wrapped_key);
});

it("takes a passphrase typed composed or decomposed as one", async () => {
  const key = newBackupKey();
  const wrapped = await wrapBackupKey(key, "crème brûlée au café");
  const decomposed = "crème brûlée au café".normalize("NFD");
  assert.deepEqual(await unwrapBackupKey(wrapped, decomposed), key);
});

it("counts a passphrase's characters as it is hashed", () => {
  // Six accented letters typed decomposed are twelve code points, six once normalised.
  const decomposed = "éèêëàâ".normalize("NFD");
  assert.equal([...decomposed].length, 12);
  assert.equal(passphraseChars(decomposed), 6);
  assert.equal(normalisedPassphrase(decomposed), "éèêëàâ");
  assert.equal(passphraseChars("ﬁ"), 2, "NFKC: a ligature is its letters");
});

it("refuses a wrapped key changed by one bit", async () => {
  const key = newBackupKey();
  const wrapped = await wrapBackupKey(key, "correct horse battery staple");
  const bytes = fromBase64Url(wrapped.wrapped_key);
  bytes[20] = (bytes[20] ?? 0) ^ 1;
  await assert.rejects(
    unwrapBackupKey(
      { ...wrapped, wrapped_key: toBase64Url(bytes) },
      "correct horse battery staple",
    ),
    BackupKeyRefused,
  );
});

it("seals a chunk bound to its id and its key", () => {
  const key = newBackupKey();
  const id = chunkIdOf(key, ["device", "conversation", "0"]);
  assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(chunkIdOf(key, ["device", "conversation", "0"]), id);
  assert.notEqual(chunkIdOf(key, ["device", "conversation", "1"]), id);
  assert.notEqual(chunkIdOf(newBackupKey(), ["device", "conversation", "0"]), id);
  // Parts are kept apart: ["a", "bc"] is not ["ab", "c"].
  assert.notEqual(chunkIdOf(key, ["a", "bc"]), chunkIdOf(key, ["ab", "c"]));

  const plaintext = encoder.encode('{"messages":{"1":"the eagle lands at noon"}}');
  const sealed = sealChunk(key, id, plaintext);
  assert.ok(!Buffer.from(fromBase64Url(sealed)).includes(Buffer.from("eagle")));
  assert.deepEqual(openChunk(key, id, sealed), plaintext);

  const other = chunkIdOf(key, ["device", "conversation", "1"]);
  assert.throws(() => openChunk(key, other, sealed), ChunkRefused);
  assert.throws(() => openChunk(newBackupKey(), id, sealed), ChunkRefused);
  const bytes = fromBase64Url(sealed);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  assert.throws(() => openChunk(key, id, toBase64Url(bytes)), ChunkRefused);
  assert.throws(() => openChunk(key, id, "AAAA"), ChunkRefused);
});
