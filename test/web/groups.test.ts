/**
 * Groups in the web app: create one with members found by search, rename it, add and
 * remove members, choose how long it keeps messages, "Seen by <names>", and leave it; the
 * other member sees each change live.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
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
  watchErrors,
} from "./helpers.js";

describe("groups", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  const errors: string[] = [];
  const thread = (page: Page) => page.getByRole("region", { name: /^Conversation with/ });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    const make = () => createUser(server.url, { password: PASSWORD });
    [alice, bob, carol, dave] = await Promise.all([make(), make(), make(), make()]);
    a = await (await browser.newContext()).newPage();
    b = await (await browser.newContext()).newPage();
    watchErrors(a, errors);
    watchErrors(b, errors);
    await signIn(a, server.url, { username: alice.username, displayName: alice.username });
    await signIn(b, server.url, { username: bob.username, displayName: bob.username });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("creates a group with members picked by search", async () => {
    await a.getByRole("link", { name: "New chat" }).click();
    await a.getByRole("button", { name: "Group" }).click();
    await a.getByLabel("Group name").fill("Book club");
    for (const user of [bob, carol]) {
      await a.getByLabel("Add people").fill(user.username);
      await a.getByRole("button", { name: `Add @${user.username}` }).click();
      await visible(a.getByRole("list", { name: "Selected people" }).getByText(user.username));
    }
    await a.getByRole("button", { name: "Create group with 3 people" }).click();
    await visible(a.getByRole("heading", { name: "Book club", level: 2 }));
    await visible(thread(a).getByText("3 members"));
    await visible(conversationLink(b, "Book club"));
  });

  it("shows who has seen a message by name", async () => {
    await send(a, "Welcome to the club");
    await visible(messageList(a).getByText("Delivered"));
    await conversationLink(b, "Book club").click();
    await visible(messageList(b).getByText("Welcome to the club"));
    await visible(messageList(a).getByText(`Seen by ${bob.username}`));
  });

  it("lets the owner rename the group and manage members", async () => {
    await a.getByRole("link", { name: "Group members" }).click();
    const panel = a.getByRole("complementary", { name: "Group info" });
    await visible(panel.getByText("3 members"));
    await panel.getByLabel("Group name").fill("Reading circle");
    await panel.getByRole("button", { name: "Rename" }).click();
    await visible(b.getByRole("heading", { name: "Reading circle", level: 2 }));

    await panel.getByRole("button", { name: "Add members" }).click();
    await panel.getByLabel("Search people to add").fill(dave.username);
    await panel.getByRole("button", { name: `Add @${dave.username}` }).click();
    await visible(panel.getByText("4 members"));
    await visible(thread(b).getByText("4 members"));

    await panel.getByRole("button", { name: `Remove ${carol.username}` }).click();
    await visible(panel.getByText("3 members"));
    await visible(thread(b).getByText("3 members"));
    // Bob is a plain member: no rename form, no remove buttons.
    await b.getByRole("link", { name: "Group members" }).click();
    const bobPanel = b.getByRole("complementary", { name: "Group info" });
    await visible(bobPanel.getByText("owner"));
    assert.equal(await bobPanel.getByRole("button", { name: /^Remove/ }).count(), 0);
    assert.equal(await bobPanel.getByLabel("Group name").count(), 0);
  });

  it("lets the owner choose how long messages are kept; members read it", async () => {
    const panel = a.getByRole("complementary", { name: "Group info" });
    const keep = panel.getByLabel("Keep messages");
    await visible(keep);
    assert.equal(await keep.inputValue(), "default");
    await keep.selectOption({ label: "30 days" });
    const bobPanel = b.getByRole("complementary", { name: "Group info" });
    await visible(bobPanel.getByText("Messages are kept: 30 days"));
    assert.equal(await bobPanel.getByLabel("Keep messages").count(), 0);
    const res = await request<{ retention_days: number | null }>(
      server.url,
      "GET",
      `/api/v1/conversations/${new URL(a.url()).hash.split("/")[2]}`,
      { token: alice.token },
    );
    assert.equal(res.body.retention_days, 30);
  });

  it("lets a member leave", async () => {
    const bobPanel = b.getByRole("complementary", { name: "Group info" });
    await bobPanel.getByRole("button", { name: "Leave group" }).click();
    await bobPanel.getByRole("button", { name: "Leave group" }).click();
    await gone(conversationLink(b, "Reading circle"));
    await visible(a.getByRole("complementary", { name: "Group info" }).getByText("2 members"));
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
