/**
 * Text spoofing through labels and search excerpts: bidi controls and separators in file
 * names and titles, display names and titles with nothing visible in them, and message
 * bodies carrying the characters search once used to mark its matches.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, it } from "node:test";
import type { SearchResponse } from "@private-chat/protocol/search";
import { uploadOk } from "../attachments/support.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import {
  createUser,
  DEFAULT_TEST_PASSWORD,
  type TestUser,
  uniqueUsername,
} from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const V1 = "/api/v1";

const BIDI = [
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
];
const SEPARATORS = ["\u2028", "\u2029", "\n", "\r", "\t", "\u0085"];
// Multipart forms percent-encode CR and LF in a file name, so those two never arrive raw.
const NAME_SEPARATORS = ["\u2028", "\u2029", "\t", "\u0085", "\u000b", "\u000c"];

/** Names with nothing visible in them, each refused wherever a name is set. */
export const INVISIBLE_NAMES = [
  "\u200b",
  "\u2060",
  "\ufeff",
  "\u180e",
  "\u3164",
  "\u115f",
  "\u1160",
  "\uffa0",
  "\u200b\u2060\ufeff",
  "\u0301",
  "\u0301\u0308\u20dd",
  "\u200d\u200c",
  "\ufe0f\ufe0e",
  "\u034f",
  "\u2800",
  "\u00ad",
  "\u{e0041}\u{e0042}",
  "\u202e",
  "\u202e\u2066\u200f",
  "\u2028",
  "\u2029\u2028",
  "\u0001\u007f\u009b",
  " \u200b \u3164 \u180e ",
];

const show = (text: string) =>
  [...text]
    .map((c) => (/[\p{L}\p{N}.]/u.test(c) ? c : `U+${c.codePointAt(0)?.toString(16)}`))
    .join("");

forEachEngine("text spoofing", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  let owner: TestUser;

  const code = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;
  const message = (res: { body: unknown }) =>
    (res.body as { error?: { message: string } }).error?.message ?? "";

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
    // The first account on a fresh server is its admin.
    admin = await createUser(server.url);
    owner = await createUser(server.url);
  });
  after(() => server.stop());

  it("strips bidi controls and separators from uploaded file names", async () => {
    const group = await createGroup(server.url, owner, []);
    const names: [string, string][] = [
      ...BIDI.map((c): [string, string] => [`invoice${c}gpj.exe`, "invoicegpj.exe"]),
      ...NAME_SEPARATORS.map((c): [string, string] => [`report${c}final.pdf`, "report final.pdf"]),
      ["\u202eexe.\u202cphoto\u2066.jpg", "exe.photo.jpg"],
      ["\u200b\u2060\ufeff", "file"],
      ["Cafe\u0301 menu.txt", "Caf\u00e9 menu.txt"],
    ];
    for (const [raw, stored] of names) {
      const view = await uploadOk(server.url, owner, group.id, randomBytes(16), { name: raw });
      assert.equal(view.name, stored, show(raw));
      const download = await fetch(new URL(`${V1}/attachments/${view.id}`, server.url), {
        headers: { authorization: `Bearer ${owner.token}` },
      });
      await download.arrayBuffer();
      assert.doesNotMatch(
        decodeURIComponent(download.headers.get("content-disposition") ?? ""),
        /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/,
        show(raw),
      );
    }
  });

  it("strips bidi controls and separators from group titles, on create and rename", async () => {
    for (const c of [...BIDI, ...SEPARATORS]) {
      const created = await createGroup(server.url, owner, [], `Team${c}Rocket`);
      assert.match(created.title ?? "", /^Team ?Rocket$/, show(c));
      const renamed = await api.patch(
        `${V1}/conversations/${created.id}`,
        { title: `Night${c}${c}Watch` },
        { token: owner.token },
      );
      assert.equal(renamed.status, 200, renamed.text);
      assert.match(renamed.body.title, /^Night ?Watch$/, show(c));
    }
  });

  it("refuses group titles with nothing visible in them, on create and rename", async () => {
    const group = await createGroup(server.url, owner, [], "Visible");
    for (const title of INVISIBLE_NAMES) {
      const created = await api.post(
        `${V1}/conversations`,
        { type: "group", title, member_ids: [] },
        { token: owner.token },
      );
      assert.equal(created.status, 400, `${show(title)}: ${created.text}`);
      assert.equal(code(created), "invalid_request");
      assert.match(message(created), /visible character/);
      const renamed = await api.patch(
        `${V1}/conversations/${group.id}`,
        { title },
        { token: owner.token },
      );
      assert.equal(renamed.status, 400, `${show(title)}: ${renamed.text}`);
      assert.equal(code(renamed), "invalid_request");
    }
    const after = await api.get(`${V1}/conversations/${group.id}`, { token: owner.token });
    assert.equal(after.body.title, "Visible");
  });

  it("refuses display names with nothing visible in them, at registration and from an admin", async () => {
    for (const display_name of INVISIBLE_NAMES) {
      const registered = await api.post(`${V1}/auth/register`, {
        username: uniqueUsername(),
        password: DEFAULT_TEST_PASSWORD,
        display_name,
      });
      assert.equal(registered.status, 400, `${show(display_name)}: ${registered.text}`);
      assert.equal(code(registered), "invalid_request");
      assert.match(message(registered), /display name must contain at least one visible/);
      const made = await api.post(
        `${V1}/admin/users`,
        { username: uniqueUsername(), display_name },
        { token: admin.token },
      );
      assert.equal(made.status, 400, `${show(display_name)}: ${made.text}`);
      assert.equal(code(made), "invalid_request");
    }
  });

  it("stores display names without bidi controls or separators", async () => {
    for (const c of [...BIDI, ...SEPARATORS]) {
      const registered = await api.post(`${V1}/auth/register`, {
        username: uniqueUsername(),
        password: DEFAULT_TEST_PASSWORD,
        display_name: `\u200bAda${c}Lovelace `,
      });
      assert.equal(registered.status, 201, registered.text);
      assert.match(registered.body.user.display_name, /^Ada ?Lovelace$/, show(c));
    }
    // Left out or blank still means "the username", as before.
    const username = uniqueUsername();
    const blank = await api.post(`${V1}/auth/register`, {
      username,
      password: DEFAULT_TEST_PASSWORD,
      display_name: "   ",
    });
    assert.equal(blank.status, 201, blank.text);
    assert.equal(blank.body.user.display_name, username);
  });

  it("never turns characters in a message body into search highlights", async () => {
    const group = await createGroup(server.url, owner, []);
    // Every character and sequence the old marked format used (U+0002 opens, U+0003
    // closes, U+0004 stood in for '<' on PostgreSQL), alone, paired and nested.
    const forgeries = [
      "\u0002forged\u0003",
      "\u0002forged",
      "forged\u0003",
      "\u0003forged\u0002",
      "\u0002\u0002forged\u0003\u0003",
      "\u0002\u0003",
      "\u0004b>forged\u0004/b>",
      "\u0002\u0004forged\u0003",
      "\u0002 forged \u0003",
      "\u0002<forged>\u0003",
    ];
    for (const forged of forgeries) {
      const needle = `n${randomBytes(5).toString("hex")}`;
      const body = `${forged} then ${needle} and \u0002more forged\u0003 words`;
      await sendMessage(server.url, owner, group.id, body);
      const res = await api.get<SearchResponse>(
        `${V1}/search?${new URLSearchParams({ q: needle })}`,
        { token: owner.token },
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.results.length, 1, show(forged));
      const [hit] = res.body.results;
      assert.deepEqual(
        hit!.highlights.map(([s, e]) => hit!.snippet.slice(s, e)),
        [needle],
        show(forged),
      );
      // The excerpt is the body itself: nothing added, nothing turned into '<'.
      assert.equal(hit!.snippet.replace(/^…|…$/g, ""), body, show(forged));
    }
  });
});
