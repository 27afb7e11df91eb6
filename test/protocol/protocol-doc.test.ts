/**
 * docs/PROTOCOL.md and docs/API.md say what the protocol's catalogues say: every client
 * and server frame type, every event, every close code with its advice, and every error
 * code with its HTTP status and retry flag, and nothing the catalogues do not have.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ERROR_CODES, errorCatalogue } from "@private-chat/protocol/errors";
import {
  CHAT_EVENT_TYPES,
  CLIENT_FRAME_TYPES,
  CONTROL_FRAME_TYPES,
  closeAdvice,
  closeCodeCatalogue,
} from "@private-chat/protocol/frames";

const protocol = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
const apiDoc = readFileSync(new URL("../../docs/API.md", import.meta.url), "utf8");

/** The text of the section under `heading`, up to the next heading of the same level. */
function section(text: string, heading: string): string {
  const level = heading.match(/^#+/)?.[0] ?? "";
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The cells of each row of the first table in `text`, header and rule left out. */
function rows(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
}

/** The `code` names of the `### \`name\`` headings of a section. */
function headings(text: string): string[] {
  return [...text.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1] ?? "");
}

describe("docs/PROTOCOL.md matches the protocol's catalogues", () => {
  it("has a heading for each client frame type and no other", () => {
    assert.deepEqual(
      headings(section(protocol, "## Client frames")).sort(),
      [...CLIENT_FRAME_TYPES].sort(),
    );
  });

  it("has a heading for each server frame type that is not an event, and no other", () => {
    assert.deepEqual(
      headings(section(protocol, "## Server frames")).sort(),
      [...CONTROL_FRAME_TYPES].sort(),
    );
  });

  it("lists each event type in the events table, and no other", () => {
    const types = rows(section(protocol, "## Events")).map((row) => row[0]?.replaceAll("`", ""));
    assert.deepEqual(types.sort(), [...CHAT_EVENT_TYPES].sort());
  });

  it("lists each close code with the catalogue's advice, and no other code", () => {
    const table = rows(section(protocol, "## Close codes"));
    const listed = new Set(table.map((row) => Number(row[0])));
    const catalogued = new Set(Object.values(closeCodeCatalogue).map((entry) => entry.code));
    assert.deepEqual([...listed].sort(), [...catalogued].sort());
    for (const [code, , , then] of table) {
      const advice = closeAdvice(Number(code));
      const expected = advice.reauthenticate
        ? "sign in again"
        : advice.reconnect
          ? "reconnect"
          : "stop";
      assert.ok(
        then?.startsWith(expected),
        `close code ${code}: "${then}", expected "${expected}"`,
      );
    }
  });
});

describe("docs/API.md's error codes match the error catalogue", () => {
  it("lists each code once with its HTTP status and retry flag, and no other", () => {
    const table = rows(section(apiDoc, "### Error codes"));
    const listed = table.map(([code]) => code?.replaceAll("`", "") ?? "");
    assert.deepEqual([...listed].sort(), [...ERROR_CODES].sort());
    for (const [code, status, retryable] of table) {
      const entry = errorCatalogue[code?.replaceAll("`", "") as keyof typeof errorCatalogue];
      assert.equal(Number(status), entry.status, `${code} status`);
      assert.equal(retryable, entry.retryable ? "yes" : "no", `${code} retryable`);
    }
  });
});
