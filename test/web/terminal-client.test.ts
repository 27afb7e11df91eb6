/**
 * The terminal client and the web app talk to each other through one server: a message
 * sent with `chat-client send` appears in the other person's browser, and `chat-client
 * tail` prints what is typed in the browser. Answering from the terminal counts as reading.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect } from "../helpers/chat.js";
import { loggedIn, removeConfigDirs, run, start, stop, waitFor } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  expectInOrderOnce,
  messageList,
  send,
  signIn,
  visible,
} from "./helpers.js";

describe("terminal client and web app together", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDir: string;

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    // Accepted at once (a request would keep Alice's reads from showing as Seen).
    await createDirect(server.url, alice, bob);
    aliceDir = loggedIn(server.url, alice);
    page = await (await browser.newContext()).newPage();
    await signIn(page, server.url, { username: bob.username, displayName: bob.username });
    await conversationLink(page, alice.username).click();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    removeConfigDirs();
  });

  it("shows a message sent with chat-client send in the other person's browser", async () => {
    const result = await run(["send", `@${bob.username}`, "hello from the terminal"], aliceDir);
    assert.equal(result.code, 0, result.stderr);
    await expectInOrderOnce(page, ["hello from the terminal"]);
  });

  it("prints in chat-client tail what the other person types in the browser", async () => {
    const tail = start(["tail", `@${bob.username}`], aliceDir);
    try {
      await waitFor("tail to show history", tail.stdout, (text) =>
        text.includes("hello from the terminal"),
      );
      await send(page, "hello from the web");
      await waitFor("tail to print the browser's message", tail.stdout, (text) =>
        text.includes("hello from the web"),
      );
      assert.match(tail.stdout(), new RegExp(`${bob.username}.*hello from the web`));
    } finally {
      stop(tail);
    }
  });

  it("shows Seen once the other person answers from the terminal, which reads up to there", async () => {
    await send(page, "are you still there?");
    const mine = messageList(page)
      .getByRole("listitem")
      .filter({ hasText: "are you still there?" });
    await visible(mine.getByText("Delivered"));
    const result = await run(["send", `@${bob.username}`, "yes, still here"], aliceDir);
    assert.equal(result.code, 0, result.stderr);
    await visible(messageList(page).getByText("yes, still here"));
    await visible(mine.getByText("Seen"));
  });
});
