/**
 * Acting on messages in the web app, seen live by the other person: reply with a quote,
 * react and un-react, edit ("(edited)", which opens the earlier versions), delete ("message
 * deleted"), all by role and label.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  gone,
  messageList,
  PASSWORD,
  send,
  signIn,
  visible,
  WAIT,
  watchErrors,
} from "./helpers.js";

describe("message actions", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let alice: TestUser;
  let bob: TestUser;
  const errors: string[] = [];

  const item = (page: Page, text: string) =>
    messageList(page).getByRole("listitem").filter({ hasText: text });

  async function act(page: Page, text: string, action: string) {
    const message = item(page, text);
    await message.hover();
    await message.getByRole("button", { name: action, exact: true }).click();
  }

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    const conv = await createDirect(server.url, bob, alice);
    await request(server.url, "POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: bob.token,
      body: { body: "Original message" },
    });
    a = await (await browser.newContext()).newPage();
    b = await (await browser.newContext()).newPage();
    watchErrors(a, errors);
    watchErrors(b, errors);
    for (const [page, me, other] of [
      [a, alice, bob],
      [b, bob, alice],
    ] as const) {
      await signIn(page, server.url, { username: me.username, displayName: me.username });
      await conversationLink(page, other.username).click();
      await visible(messageList(page).getByText("Original message"));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("replies with a quote of the original", async () => {
    await act(a, "Original message", "Reply");
    await visible(a.getByText(`Replying to ${bob.username}`));
    await send(a, "My reply");
    await gone(a.getByText(`Replying to ${bob.username}`));
    await visible(item(b, "My reply").getByText("Original message"));
  });

  it("adds and removes a reaction, with counts", async () => {
    await act(b, "My reply", "React");
    await item(b, "My reply").getByRole("button", { name: "React 👍" }).click();
    await visible(item(a, "My reply").getByRole("button", { name: "👍 1" }));
    const mine = item(b, "My reply").getByRole("button", { name: "👍 1" });
    assert.equal(await mine.getAttribute("aria-pressed"), "true");
    await mine.click();
    await gone(item(a, "My reply").getByRole("button", { name: "👍 1" }));
  });

  it("works from the keyboard: focus moves into the picker and back", async () => {
    const react = item(a, "My reply").getByRole("button", { name: "React", exact: true });
    await react.focus();
    await a.keyboard.press("Enter");
    const thumbs = item(a, "My reply").getByRole("button", { name: "React 👍" });
    await visible(thumbs);
    assert.equal(
      await thumbs.evaluate((el) => el === (globalThis as any).document.activeElement),
      true,
    );
    await a.keyboard.press("Escape");
    await gone(thumbs);
    // Focus returns once the picker has unmounted, a frame after it disappears.
    const handle = await react.elementHandle();
    await a.waitForFunction((el) => el === (globalThis as any).document.activeElement, handle, {
      timeout: WAIT,
    });
  });

  it("edits a message and shows (edited) to both", async () => {
    await act(a, "My reply", "Edit");
    await visible(a.getByText("Editing message"));
    const box = a.getByLabel("Message", { exact: true });
    assert.equal(await box.inputValue(), "My reply");
    await box.fill("My edited reply");
    await box.press("Enter");
    await visible(item(b, "My edited reply").getByText("(edited)"));
    await visible(item(a, "My edited reply").getByText("(edited)"));
  });

  it("(edited) opens the earlier versions, by mouse or keyboard, and Escape closes them", async () => {
    const mark = item(b, "My edited reply").getByRole("button", { name: "(edited)" });
    await mark.click();
    const dialog = b.getByRole("dialog", { name: "Earlier versions" });
    await visible(dialog.getByRole("listitem").filter({ hasText: "My reply" }));
    assert.equal(await dialog.getByRole("listitem").count(), 1);
    await dialog.getByRole("button", { name: "Close earlier versions" }).click();
    await gone(dialog);

    await mark.focus();
    await b.keyboard.press("Enter");
    const close = dialog.getByRole("button", { name: "Close earlier versions" });
    await visible(dialog.getByText("My reply", { exact: true }));
    const focused = (el: unknown) => el === (globalThis as any).document.activeElement;
    assert.equal(await close.evaluate(focused), true, "focus moves into the dialog");
    await b.keyboard.press("Tab");
    assert.equal(await close.evaluate(focused), true, "and stays there");
    await b.keyboard.press("Escape");
    await gone(dialog);
    await b.waitForFunction(focused, await mark.elementHandle(), { timeout: WAIT });
  });

  it("edits the last message with ArrowUp and cancels with Escape", async () => {
    const box = a.getByLabel("Message", { exact: true });
    await box.press("ArrowUp");
    await visible(a.getByText("Editing message"));
    await box.press("Escape");
    await gone(a.getByText("Editing message"));
    assert.equal(await box.inputValue(), "");
  });

  it("deletes a message, leaving a tombstone for both", async () => {
    await act(a, "My edited reply", "Delete");
    await item(a, "My edited reply").getByRole("button", { name: "Delete", exact: true }).click();
    await gone(messageList(b).getByText("My edited reply"));
    await visible(messageList(b).getByText("message deleted"));
    await visible(messageList(a).getByText("message deleted"));
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
