import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { it } from "node:test";
import webpush from "web-push";
import { retryAfterMs, VapidHeaders } from "./delivery.js";

const keys = webpush.generateVAPIDKeys();
const subject = "mailto:ops@example.com";

function claims(header: string): { aud: string; exp: number; sub: string } {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(header);
  assert.ok(match?.[1] && match[2], header);
  const [head, body, signature] = match[1].split(".");
  assert.ok(head && body && signature);
  // The signature is ES256 by the server's key (RFC 8292), checked with the public key given.
  const point = Buffer.from(match[2], "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  const ok = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  assert.ok(ok, "the VAPID JWT's signature verifies");
  return JSON.parse(Buffer.from(body, "base64url").toString());
}

it("signs one VAPID header per push service origin and reuses it for an hour", () => {
  const vapid = new VapidHeaders({ keys, subject });
  const now = Date.UTC(2026, 11, 2, 12);
  const first = vapid.for("https://push.example.net/send/abc", now);
  assert.equal(vapid.for("https://push.example.net/send/other", now + 59 * 60_000), first);
  const jwt = claims(first);
  assert.equal(jwt.aud, "https://push.example.net");
  assert.equal(jwt.sub, subject);
  assert.ok(jwt.exp > now / 1000 && jwt.exp <= now / 1000 + 24 * 3600, "expires within 24 h");

  const elsewhere = vapid.for("https://updates.example.org:8443/p/1", now);
  assert.equal(claims(elsewhere).aud, "https://updates.example.org:8443");

  // After an hour a fresh one is signed, still valid for hours after that.
  const later = now + 61 * 60_000;
  const renewed = vapid.for("https://push.example.net/send/abc", later);
  assert.notEqual(renewed, first);
  assert.ok(claims(renewed).exp > later / 1000 + 3600);
});

it("reads Retry-After as seconds or as an HTTP date", () => {
  const now = Date.UTC(2026, 11, 2, 12);
  assert.equal(retryAfterMs("120", now), 120_000);
  assert.equal(retryAfterMs(new Date(now + 30_000).toUTCString(), now), 30_000);
  assert.equal(retryAfterMs("soon", now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});
