/**
 * Settings' devices for encrypted chats: the account's devices listed with their key
 * packages, renamed and removed (after a confirmation) against the real server, an empty
 * list saying how to add one, and axe-core finding nothing on the section.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { registerDevice } from "@private-chat/sdk/mls";
import type { Browser, Locator, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gone, passesAxe, signedInPage, visible } from "./helpers.js";

describe("devices for encrypted chats in Settings", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let api: ApiClient;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    alice = await createUser(server.url);
    api = new ApiClient({ baseUrl: server.url, token: alice.token });
    await registerDevice(api.devices, alice.id, "work laptop", 3);
    await registerDevice(api.devices, alice.id, "old phone", 12);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function settingsOf(user: TestUser): Promise<{ page: Page; section: Locator }> {
    const page = await signedInPage(browser, server.url, user, errors);
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    const section = page.getByRole("region", { name: "Devices for encrypted chats" });
    await visible(section);
    return { page, section };
  }

  it("lists the devices with the key packages each has left", async () => {
    const { page, section } = await settingsOf(alice);
    const list = section.getByRole("list", { name: "Your devices" });
    const laptop = list.getByRole("listitem").filter({ hasText: "work laptop" });
    await visible(laptop.getByText(/3 key packages left \(it makes more/));
    await visible(
      list
        .getByRole("listitem")
        .filter({ hasText: "old phone" })
        .getByText(/12 key packages left$/),
    );
    await passesAxe(page, "Settings with devices");
    await page.context().close();
  });

  it("renames one and removes another after a confirmation", async () => {
    const { page, section } = await settingsOf(alice);
    await section.getByRole("button", { name: "Rename work laptop" }).click();
    const field = section.getByLabel("New name for work laptop");
    await field.fill("desk laptop");
    await section.getByRole("button", { name: "Save" }).click();
    await visible(section.getByRole("button", { name: "Rename desk laptop" }));

    await section.getByRole("button", { name: "Remove old phone" }).click();
    await visible(section.getByText(/Remove old phone\? It will not read/));
    await section.getByRole("button", { name: "Remove", exact: true }).click();
    await gone(section.getByRole("button", { name: "Rename old phone" }));
    assert.deepEqual(
      (await api.devices.list()).map((d) => d.name),
      ["desk laptop"],
    );
    await page.context().close();
  });

  it("says how to add one when there is none", async () => {
    const { page, section } = await settingsOf(await createUser(server.url));
    await visible(section.getByText(/No devices yet/));
    assert.equal(await section.getByRole("list").count(), 0);
    await page.context().close();
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
