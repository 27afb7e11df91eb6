import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encryptedFile } from "@private-chat/protocol/encrypted-content";
import { FileRefused, openFile, SEALED_FILE_OVERHEAD, sealFile } from "./encrypted-files.js";

const bytes = new TextEncoder().encode("a file only the members read");

describe("encrypted files", () => {
  it("seals under a fresh key and nonce each time, and opens what it sealed", async () => {
    const one = await sealFile({ name: "note.txt", type: "text/plain", bytes });
    const two = await sealFile({ name: "note.txt", type: "text/plain", bytes });
    assert.equal(one.ciphertext.length, bytes.length + SEALED_FILE_OVERHEAD);
    assert.notEqual(one.reference.key, two.reference.key);
    assert.notEqual(one.reference.iv, two.reference.iv);
    assert.equal(one.reference.sha256, two.reference.sha256);
    assert.ok(!Buffer.from(one.ciphertext).includes(Buffer.from(bytes)));
    const file = { attachment_id: "u-1", ...one.reference };
    // The reference is what the content schema carries.
    assert.equal(encryptedFile.safeParse(file).success, true);
    assert.deepEqual(await openFile(one.ciphertext, file), bytes);
  });

  it("refuses a file cut short, changed, or opened with another file's key", async () => {
    const { ciphertext, reference } = await sealFile({ name: "n", type: "", bytes });
    const other = await sealFile({ name: "n", type: "", bytes });
    const file = { attachment_id: "u-1", ...reference };
    const changed = ciphertext.slice();
    changed[0] = (changed[0] as number) ^ 0x80;
    for (const [blob, ref] of [
      [ciphertext.subarray(1), file],
      [changed, file],
      [ciphertext, { ...file, key: other.reference.key }],
      [ciphertext, { ...file, iv: other.reference.iv }],
    ] as const)
      await assert.rejects(openFile(blob, ref), FileRefused);
  });
});
