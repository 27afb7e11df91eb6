/**
 * An end-to-end encrypted conversation in a browser that is not one of the person's devices
 * (docs/E2EE.md, "The browser's store"): its lock shows in the list and the header, its messages show
 * as sealed instead of as ciphertext, no action needs what this browser cannot make, and
 * a note stands where the composer would take sends the server refuses.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { registerDevice, sendEncrypted, startEncrypted } from "@private-chat/sdk/mls";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, messageList, passesAxe, signedInPage, visible } from "./helpers.js";

const SEALED = "🔒 Encrypted message: this client cannot open it";

describe("an encrypted conversation in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  const errors: string[] = [];
  const title = "Board";
  const secret = "the plan for friday, word 7f3a";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    const [a, b, carol] = await Promise.all([
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
    ]);
    [alice, bob] = [a, b];
    const api = (u: TestUser) => new ApiClient({ baseUrl: server.url, token: u.token });
    // Carol's device is in the group; Alice, in the browser, has none.
    await registerDevice(api(carol).devices, carol.id, "carol's laptop", 2);
    const bobs = await registerDevice(api(bob).devices, bob.id, "bob's laptop", 2);
    const { conversation, group } = await startEncrypted(api(bob), bobs, {
      type: "group",
      title,
      member_ids: [alice.id, carol.id],
    });
    await sendEncrypted(api(bob), conversation.id, group, secret);
    browser = await launchBrowser();
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("marks the conversation with a lock in the list and the header", async () => {
    const link = conversationLink(page, title);
    await visible(link);
    assert.match((await link.textContent()) ?? "", /end-to-end encrypted/);
    assert.match((await link.textContent()) ?? "", new RegExp(`${bob.username}: 🔒 Encrypted`));
    await link.click();
    await visible(page.getByRole("heading", { name: `${title} (end-to-end encrypted)` }));
  });

  it("shows messages as sealed, never their ciphertext or plaintext", async () => {
    const list = messageList(page);
    await visible(list.getByText(SEALED));
    await visible(list.getByText("🔒 The conversation's encryption keys changed"));
    const shown = (await page.locator("body").textContent()) ?? "";
    assert.ok(!shown.includes(secret), "no plaintext");
    // Ciphertext is base64url: no run of it as long as an MLS message's reaches the screen.
    assert.doesNotMatch(shown, /[A-Za-z0-9_-]{80,}/);
  });

  it("offers only the actions that need no plaintext", async () => {
    const message = messageList(page).getByRole("listitem").filter({ hasText: SEALED });
    await message.hover();
    const actions = message.getByRole("toolbar", { name: "Message actions" });
    await visible(actions.getByRole("button", { name: "Copy link" }));
    for (const name of ["React", "Reply", "Reply in thread", "Pin", "Edit"])
      assert.equal(await actions.getByRole("button", { name, exact: true }).count(), 0, name);
  });

  it("says where to read and answer instead of a message box", async () => {
    await visible(page.getByRole("note").getByText(/only its members' devices can read/));
    assert.equal(await page.getByLabel("Message", { exact: true }).count(), 0);
    await passesAxe(page, "an encrypted conversation");
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
