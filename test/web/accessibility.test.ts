/**
 * axe-core on every view of the web app, in both themes and at a desktop and a phone
 * width: no violations anywhere. The views are tables in a11y-views.ts and (the admin
 * console) a11y-admin-views.ts; a new screen adds a row. Each view is opened once per
 * width and checked in both themes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect, createGroup, requestDirect, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { ADMIN_VIEWS } from "./a11y-admin-views.js";
import { LAYOUTS, type Setup, VIEWS, type View } from "./a11y-views.js";
import { signIn, watchErrors } from "./helpers.js";

const THEMES = ["light", "dark"] as const;

/**
 * Waits until the page's transitions and animations (bubbles and panels fading in, colours
 * changing with the theme) have ended: axe reads the colours shown. Endless ones (spinners)
 * do not change colours and are not waited for.
 */
async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const win = globalThis as any;
    // Two frames: styles changed by the last step (a theme switched) are applied.
    for (let i = 0; i < 2; i++) await new Promise((done) => win.requestAnimationFrame(done));
    const finite = win.document
      .getAnimations()
      .filter((a: any) => a.effect?.getComputedTiming().endTime !== Number.POSITIVE_INFINITY);
    // Bounded: a paused animation never ends.
    await Promise.race([
      Promise.all(finite.map((a: any) => a.finished.catch(() => undefined))),
      new Promise((done) => setTimeout(done, 5_000)),
    ]);
  });
}

/** Uploads a file as `user` and returns its attachment id. */
async function upload(
  url: string,
  user: TestUser,
  conversationId: string,
  name: string,
  type: string,
  bytes: Buffer,
): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${url}/api/v1/conversations/${conversationId}/attachments`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

// Long: 2 layouts x 39 views x 2 themes, each a full axe run with colour contrast.
describe("accessibility (axe-core)", { timeout: 1_800_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: TestUser;
  let alice: TestUser;
  let newcomer: TestUser;
  let setup: Setup;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    const make = () => createUser(server.url);
    // Before the others: the first account of a fresh server is its administrator.
    admin = await make();
    const [a, bob, carol, n, stranger, asked, declined, blocked] = await Promise.all([
      make(),
      make(),
      make(),
      make(),
      make(),
      make(),
      make(),
      make(),
    ]);
    alice = a;
    newcomer = n;
    const direct = await createDirect(server.url, alice, bob);
    const groupTitle = "Walking group";
    const group = await createGroup(server.url, alice, [bob, carol, blocked], groupTitle);
    const received = await sendMessage(
      server.url,
      bob,
      direct.id,
      "hello there, a long message that wraps onto more than one line on a phone",
    );
    // Sent with a typo and corrected: "(edited)" opens the earlier version.
    const reply = await sendMessage(server.url, alice, direct.id, "a reply to yuo", {
      reply_to: received.id,
    });
    const corrected = await request(server.url, "PATCH", `/api/v1/messages/${reply.id}`, {
      token: alice.token,
      body: { body: "a reply to you" },
    });
    assert.equal(corrected.status, 200, corrected.text);
    const reacted = await request(server.url, "POST", `/api/v1/messages/${received.id}/reactions`, {
      token: alice.token,
      body: { emoji: "👍" },
    });
    assert.equal(reacted.status, 200, reacted.text);
    // Formatted text on both bubble colours: a code block that scrolls sideways (its Copy
    // button), a quote, a list, a link, bold, italic, strikethrough and inline code.
    const formatted = (who: string) =>
      `**bold** _italic_ ~~struck~~ \`code\` [a link](https://example.com/${who})\n\n` +
      `> a quote\n\n- one\n- two\n\n1. first\n\n` +
      "```ts\nconst line = 'a very long line of code that cannot wrap and must scroll sideways on a phone';\n```";
    await sendMessage(server.url, bob, direct.id, formatted("bob"));
    await sendMessage(server.url, alice, direct.id, formatted("alice"));
    const png = await sharp({
      create: { width: 640, height: 400, channels: 3, background: { r: 30, g: 120, b: 190 } },
    })
      .png()
      .toBuffer();
    const image = await upload(server.url, bob, direct.id, "sea.png", "image/png", png);
    const file = await upload(
      server.url,
      alice,
      direct.id,
      "notes.txt",
      "text/plain",
      Buffer.from("notes"),
    );
    const withFiles = await request(
      server.url,
      "POST",
      `/api/v1/conversations/${direct.id}/messages`,
      {
        token: bob.token,
        body: { body: "the sea", attachment_ids: [image] },
      },
    );
    assert.equal(withFiles.status, 201, withFiles.text);
    const fileOnly = await request(
      server.url,
      "POST",
      `/api/v1/conversations/${direct.id}/messages`,
      {
        token: alice.token,
        body: { body: "", attachment_ids: [file] },
      },
    );
    assert.equal(fileOnly.status, 201, fileOnly.text);
    const root = await sendMessage(server.url, carol, group.id, "hello everyone");
    // A thread under it that Alice follows (she replied), with a reply she has not read.
    for (const [who, text] of [
      [bob, "shall we walk on Sunday?"],
      [alice, "Sunday suits me"],
      [bob, "then Sunday at nine"],
    ] as const)
      await sendMessage(server.url, who, group.id, text, { thread_id: root.id });
    // Requests: one waiting for Alice, one she sent, one she declined; and a group member
    // she blocked, whose message the group then shows collapsed.
    const pending = await requestDirect(server.url, stranger, alice);
    await sendMessage(server.url, stranger, pending.id, "hello, we have not met");
    const sent = await requestDirect(server.url, alice, asked);
    await sendMessage(server.url, alice, sent.id, "hello, may I ask you something?");
    const refused = await requestDirect(server.url, declined, alice);
    await sendMessage(server.url, declined, refused.id, "buy my things");
    const declining = await request(
      server.url,
      "POST",
      `/api/v1/conversations/${refused.id}/decline`,
      { token: alice.token },
    );
    assert.equal(declining.status, 200, declining.text);
    await sendMessage(server.url, blocked, group.id, "something unkind");
    const blocking = await request(server.url, "POST", "/api/v1/blocks", {
      token: alice.token,
      body: { user_id: blocked.id },
    });
    assert.equal(blocking.status, 201, blocking.text);
    setup = {
      url: server.url,
      direct: direct.id,
      group: group.id,
      groupTitle,
      threadRoot: root.id,
      pending: pending.id,
      sent: sent.id,
      strangerName: stranger.username,
      blockedName: blocked.username,
      memberName: bob.username,
    };
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const layout of LAYOUTS) {
    it(`has no violations on any view, ${layout.label}, light and dark`, async () => {
      const contexts = new Map<View["as"], { context: BrowserContext; page: Page }>();
      const pageFor = async (as: View["as"]): Promise<Page> => {
        const known = contexts.get(as);
        if (known) return known.page;
        const context = await browser.newContext({ viewport: layout.viewport });
        const page = await context.newPage();
        watchErrors(page, errors);
        const user = { alice, newcomer, admin, "signed-out": undefined }[as];
        if (user) await signIn(page, server.url, { ...user, displayName: user.username });
        contexts.set(as, { context, page });
        return page;
      };
      // Each finding once, with the views (and themes) it was seen on: the list stays readable.
      const found = new Map<string, string[]>();
      try {
        for (const view of [...VIEWS, ...ADMIN_VIEWS]) {
          const page = await pageFor(view.as);
          await page.emulateMedia({ colorScheme: THEMES[0] });
          await view.open(page, setup);
          // The view opened once, checked in each theme: only the colours change between them.
          for (const theme of THEMES) {
            await page.emulateMedia({ colorScheme: theme });
            await settled(page);
            // No frames in the app: axe runs in the page itself, not partly in a blank page.
            const result = await new AxeBuilder({ page }).setLegacyMode().analyze();
            for (const v of result.violations) {
              for (const node of v.nodes) {
                const key = `${v.id} ${node.target.join(" ")}: ${node.failureSummary?.replace(/\s+/g, " ")}`;
                found.set(key, [...(found.get(key) ?? []), `${view.name} (${theme})`]);
              }
            }
          }
          await page.keyboard.press("Escape");
          await view.close?.(page, setup);
        }
      } finally {
        for (const { context } of contexts.values()) await context.close();
      }
      const report = [...found].map(([finding, views]) => `${finding} [${views.join(", ")}]`);
      assert.deepEqual(report, [], report.join("\n"));
    });
  }

  it("logged no errors", () => {
    // A failed sign-in is an expected 401 in the console.
    assert.deepEqual(
      // Going offline (one view does) fails requests and socket connects while it lasts.
      errors.filter((e) => !e.includes("401") && !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(e)),
      [],
    );
  });
});
