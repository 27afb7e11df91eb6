/**
 * The tests' own RFC 8291 decrypter against web-push's encrypter, so the push service
 * double checks real encryption and not a mirror of its own mistakes.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import webpush from "web-push";
import { decryptPush, makeSubscriberKeys } from "../helpers/push-double.js";

function aes128gcmBody(keys: ReturnType<typeof makeSubscriberKeys>, text: string): Buffer {
  const encrypted = webpush.encrypt(
    keys.publicKey.toString("base64url"),
    keys.auth.toString("base64url"),
    text,
    "aes128gcm",
  );
  return encrypted.cipherText;
}

it("decrypts what web-push encrypts for a subscription (aes128gcm)", () => {
  for (const text of [
    "",
    "hello",
    "é".repeat(1500),
    JSON.stringify({ a: 1, text: "x".repeat(2900) }),
  ]) {
    const keys = makeSubscriberKeys();
    const body = aes128gcmBody(keys, text);
    assert.equal(decryptPush(body, keys).toString("utf8"), text);
  }
});

it("refuses a body encrypted for another subscription or altered on the way", () => {
  const keys = makeSubscriberKeys();
  const other = makeSubscriberKeys();
  const body = aes128gcmBody(keys, "secret");
  assert.throws(() => decryptPush(body, other));
  const altered = Buffer.from(body);
  altered[altered.length - 20] = (altered[altered.length - 20] ?? 0) ^ 1;
  assert.throws(() => decryptPush(altered, keys));
});
