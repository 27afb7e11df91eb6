import assert from "node:assert/strict";
import { it } from "node:test";
import { sealedText, shownText } from "./sealed-text.js";

const ciphertext = "AAEAAgADAAQABQAGAAcACAAJ";

it("never shows an encrypted message's ciphertext, and says what it stands for", () => {
  const message = { body: ciphertext, mls: { kind: "application" as const, epoch: 3 } };
  assert.equal(shownText(message), sealedText(message.mls));
  assert.ok(!shownText(message).includes(ciphertext));
  assert.match(sealedText({ kind: "application", epoch: 0 }), /Encrypted message/);
  for (const kind of ["commit", "proposal"] as const)
    assert.match(sealedText({ kind, epoch: 1 }), /encryption keys changed/);
});

it("shows a text message's words without their formatting", () => {
  assert.equal(shownText({ body: "**Lunch** at _noon_" }), "Lunch at noon");
});
