/**
 * axe-core on every view of the web app, in both themes and at a desktop and a phone
 * width: no violations anywhere. The views are a table; a new screen adds a row.
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
import { conversationLink, messageList, signIn, visible, watchErrors } from "./helpers.js";

interface Setup {
  url: string;
  direct: string;
  group: string;
  groupTitle: string;
  /** A stranger's message request waiting for Alice, one Alice sent, one she declined. */
  pending: string;
  sent: string;
  strangerName: string;
  blockedName: string;
}

/** One view: how to reach it from a signed-in page (or a fresh one), and what shows it. */
interface View {
  name: string;
  /** Who looks at it: the member with chats, one with none, or nobody signed in. */
  as: "alice" | "newcomer" | "signed-out";
  open: (page: Page, setup: Setup) => Promise<void>;
}

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

const thread = (page: Page) => page.getByRole("region", { name: /^Conversation with/ });

const VIEWS: View[] = [
  {
    name: "sign-in",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await visible(page.getByRole("button", { name: "Sign in" }));
    },
  },
  {
    name: "sign-in with an error",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await page.getByLabel("Username").fill("nobody_here");
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await visible(page.getByRole("alert"));
    },
  },
  {
    name: "register",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await page.getByRole("button", { name: "Create an account" }).click();
      await visible(page.getByLabel("Display name"));
    },
  },
  {
    name: "empty conversation list",
    as: "newcomer",
    open: async (page) => {
      await go(page, "#/");
      await visible(page.getByText("No conversations yet."));
    },
  },
  {
    name: "conversation list",
    as: "alice",
    open: async (page, s) => {
      await go(page, "#/");
      await visible(conversationLink(page, s.groupTitle));
    },
  },
  {
    name: "direct chat with replies, reactions and attachments",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await visible(messageList(page).getByText("a reply to you"));
      await visible(messageList(page).getByRole("button", { name: "Open image sea.png" }));
      await visible(messageList(page).getByRole("button", { name: /^Download notes\.txt/ }));
    },
  },
  {
    name: "message actions",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      const mine = messageList(page).getByText("a reply to you");
      await visible(mine);
      await mine.hover();
      await visible(page.getByRole("toolbar", { name: "Message actions" }).first());
    },
  },
  {
    name: "image viewer",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await messageList(page).getByRole("button", { name: "Open image sea.png" }).click();
      await visible(page.getByRole("dialog", { name: "sea.png" }).locator("img"));
    },
  },
  {
    name: "direct chat details",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}/info`);
      await visible(page.getByRole("complementary"));
    },
  },
  {
    name: "group chat",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      await visible(messageList(page).getByText("hello everyone"));
      await visible(thread(page).getByText("4 members"));
    },
  },
  {
    name: "group members panel, adding members",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}/info`);
      const panel = page.getByRole("complementary", { name: "Group info" });
      await panel.getByRole("button", { name: "Add members" }).click();
      await visible(panel.getByLabel("Search people to add"));
    },
  },
  {
    name: "unknown conversation",
    as: "alice",
    open: async (page) => {
      await go(page, "#/c/00000000-0000-4000-8000-000000000000");
      await visible(page.getByText("This conversation is not available."));
    },
  },
  {
    name: "new direct chat",
    as: "alice",
    open: async (page) => {
      await go(page, "#/new");
      await visible(page.getByRole("button", { name: "Group" }));
    },
  },
  {
    name: "new group",
    as: "alice",
    open: async (page) => {
      await go(page, "#/new");
      await page.getByRole("button", { name: "Group" }).click();
      await visible(page.getByLabel("Group name"));
    },
  },
  {
    name: "search with results",
    as: "alice",
    open: async (page) => {
      await go(page, "#/search/hello");
      await visible(page.getByRole("list", { name: "Search results" }).getByRole("link").first());
    },
  },
  {
    name: "search without results",
    as: "alice",
    open: async (page) => {
      await go(page, "#/search/zzzqqq");
      await visible(page.getByRole("status").getByText(/No messages/i));
    },
  },
  {
    name: "settings",
    as: "alice",
    open: async (page, s) => {
      await go(page, "#/settings");
      await visible(page.getByRole("heading", { name: "Sessions" }));
      await visible(page.getByRole("button", { name: /sign out/i }).first());
      await visible(
        page
          .getByRole("list", { name: "Blocked people" })
          .getByText(s.blockedName, { exact: true }),
      );
    },
  },
  {
    name: "a message request",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.pending}`);
      await visible(page.getByRole("heading", { name: `${s.strangerName} wants to message you` }));
    },
  },
  {
    name: "blocking a request's sender, asked first",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.pending}`);
      await thread(page)
        .getByRole("button", { name: `Block ${s.strangerName}` })
        .click();
      await visible(page.getByRole("button", { name: `Block ${s.strangerName}`, exact: true }));
    },
  },
  {
    name: "a sent request, waiting",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.sent}`);
      await visible(page.getByText(/^Waiting for .+ to accept$/));
    },
  },
  {
    name: "message requests, waiting and declined",
    as: "alice",
    open: async (page) => {
      await go(page, "#/requests");
      await visible(page.getByRole("heading", { name: "Message requests", level: 2 }));
      await visible(page.getByRole("button", { name: /^Accept the request from / }));
    },
  },
  {
    name: "a group with a blocked person's message collapsed",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      await visible(messageList(page).getByText("from a person you blocked"));
    },
  },
];

const LAYOUTS = [
  { label: "desktop", viewport: { width: 1280, height: 800 } },
  { label: "phone", viewport: { width: 390, height: 844 } },
] as const;
const THEMES = ["light", "dark"] as const;

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

// Long: 4 layouts x 23 views, each a full axe run with colour contrast.
describe("accessibility (axe-core)", { timeout: 1_800_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let newcomer: TestUser;
  let setup: Setup;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    const make = () => createUser(server.url);
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
    await sendMessage(server.url, alice, direct.id, "a reply to you", { reply_to: received.id });
    const reacted = await request(server.url, "POST", `/api/v1/messages/${received.id}/reactions`, {
      token: alice.token,
      body: { emoji: "👍" },
    });
    assert.equal(reacted.status, 200, reacted.text);
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
    await sendMessage(server.url, carol, group.id, "hello everyone");
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
      pending: pending.id,
      sent: sent.id,
      strangerName: stranger.username,
      blockedName: blocked.username,
    };
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const layout of LAYOUTS) {
    for (const theme of THEMES) {
      it(`has no violations on any view, ${layout.label}, ${theme}`, async () => {
        const contexts = new Map<View["as"], { context: BrowserContext; page: Page }>();
        const pageFor = async (as: View["as"]): Promise<Page> => {
          const known = contexts.get(as);
          if (known) return known.page;
          const context = await browser.newContext({
            viewport: layout.viewport,
            colorScheme: theme,
          });
          const page = await context.newPage();
          watchErrors(page, errors);
          const user = as === "alice" ? alice : as === "newcomer" ? newcomer : undefined;
          if (user) await signIn(page, server.url, { ...user, displayName: user.username });
          contexts.set(as, { context, page });
          return page;
        };
        // Each finding once, with the views it was seen on: the list stays readable.
        const found = new Map<string, string[]>();
        try {
          for (const view of VIEWS) {
            const page = await pageFor(view.as);
            await view.open(page, setup);
            // Let transitions (bubbles and panels fading in) end: axe reads the colours shown.
            await page.waitForTimeout(400);
            const result = await new AxeBuilder({ page }).analyze();
            for (const v of result.violations) {
              for (const node of v.nodes) {
                const key = `${v.id} ${node.target.join(" ")}: ${node.failureSummary?.replace(/\s+/g, " ")}`;
                found.set(key, [...(found.get(key) ?? []), view.name]);
              }
            }
            await page.keyboard.press("Escape");
          }
        } finally {
          for (const { context } of contexts.values()) await context.close();
        }
        const report = [...found].map(([finding, views]) => `${finding} [${views.join(", ")}]`);
        assert.deepEqual(report, [], report.join("\n"));
      });
    }
  }

  it("logged no errors", () => {
    // A failed sign-in is an expected 401 in the console.
    assert.deepEqual(
      errors.filter((e) => !e.includes("401")),
      [],
    );
  });
});
