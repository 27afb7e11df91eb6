/**
 * Settings' devices for encrypted chats: the account's devices listed with their key
 * packages, renamed and removed (after a confirmation) against the real server, an empty
 * list saying how to add one, and axe-core finding nothing on the section. A browser that
 * is not a device shows an encrypted conversation's members without verification marks.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { registerDevice } from "@private-chat/sdk/mls";
import type { Browser, Locator, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gone, passesAxe, signedInPage, visible, WAIT, watchErrors } from "./helpers.js";

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

    // Not a device itself, this browser marks no member verified or not, and says why.
    const group = await api.createConversation({
      type: "group",
      title: "Locked",
      member_ids: [(await createUser(server.url)).id],
      encrypted: true,
    });
    await page.goto(`${server.url}/#/c/${group.id}/info`);
    const panel = page.getByRole("complementary", { name: "Group info" });
    await visible(panel.getByText(/^Verifying people needs this browser to be one of your/));
    assert.equal(await panel.getByRole("button", { name: /^Verify / }).count(), 0);
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
    // The whole row: while the confirmation shows, its Rename button is already hidden.
    await gone(section.getByRole("listitem").filter({ hasText: "old phone" }));
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

  it("makes this browser a device: its keys stay here, and removing it forgets them", async () => {
    const bob = await createUser(server.url);
    const bobApi = new ApiClient({ baseUrl: server.url, token: bob.token });
    let { page, section } = await settingsOf(bob);
    await visible(section.getByText(/No devices yet/));
    await section.getByRole("button", { name: "Use this browser for encrypted chats" }).click();
    const name = section.getByLabel("Name for this browser");
    assert.match(await name.inputValue(), /Chrome on Linux/);
    await name.fill("desk browser");
    await section.getByRole("button", { name: "Add this browser" }).click();
    const row = section.getByRole("listitem").filter({ hasText: "desk browser" });
    await visible(row.getByText("this browser"));
    await visible(row.getByText(/20 key packages left$/));
    await gone(section.getByRole("button", { name: "Use this browser for encrypted chats" }));
    await passesAxe(page, "Settings with this browser as a device");

    // The private keys are in this browser's IndexedDB; the server has the public half only.
    const [listed] = await bobApi.devices.list();
    const kept = await page.evaluate(keptDevice, bob.id);
    assert.equal(kept?.device_id, listed?.id);
    assert.equal(kept?.signature_public_key, listed?.signature_key);
    assert.ok((kept?.signature_private_key.length ?? 0) > 0);
    assert.equal(kept?.key_packages, 21, "the pool and the last-resort package");
    const everything = JSON.stringify(await bobApi.devices.list());
    assert.equal(everything.includes(kept?.signature_private_key ?? "-"), false);

    // Others claim its key packages until it runs low (ten claims at once is a caller's
    // limit: a second caller takes the eleventh). On a page that is not Settings, the
    // server's device.key_packages_low makes them up again, kept here before uploaded.
    const claimers = async () => {
      const other = new ApiClient({
        baseUrl: server.url,
        token: (await createUser(server.url)).token,
      });
      const second = new ApiClient({
        baseUrl: server.url,
        token: (await createUser(server.url)).token,
      });
      return [...Array(10).fill(other), second] as ApiClient[];
    };
    await page.getByRole("link", { name: "Threads", exact: true }).click();
    await gone(section);
    for (const claimer of await claimers())
      await claimer.devices.claimKeyPackages(bob.id, listed?.id);
    await poolIs(bobApi, 20);
    assert.equal((await page.evaluate(keptDevice, bob.id))?.key_packages, 21 + 11);
    assert.equal(await section.count(), 0, "Settings was not opened");

    // Claimed while no page of the app is open, and the warning never reaches it (as after
    // being away longer than the server keeps events: no cursor to resume from), opening
    // Settings makes them up again.
    const context = page.context();
    await page.evaluate(
      (id) => (globalThis as any).localStorage.removeItem(`pc.cursor.${id}`),
      bob.id,
    );
    await page.close();
    for (const claimer of await claimers())
      await claimer.devices.claimKeyPackages(bob.id, listed?.id);
    assert.equal((await bobApi.devices.list())[0]?.unused_key_packages, 9);
    page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(`${server.url}/#/settings`);
    section = page.getByRole("region", { name: "Devices for encrypted chats" });
    const again = section.getByRole("listitem").filter({ hasText: "desk browser" });
    await visible(again.getByText(/20 key packages left$/));
    assert.equal((await page.evaluate(keptDevice, bob.id))?.key_packages, 21 + 22);

    // A reload finds it again; removing it here forgets its keys.
    await page.reload();
    await visible(
      section.getByRole("listitem").filter({ hasText: "desk browser" }).getByText("this browser"),
    );
    await section.getByRole("button", { name: "Remove desk browser" }).click();
    await section.getByRole("button", { name: "Remove", exact: true }).click();
    await visible(section.getByText(/No devices yet/));
    assert.equal(await page.evaluate(keptDevice, bob.id), undefined);
    await page.context().close();
  });

  it("forgets keys kept here for a device removed from elsewhere", async () => {
    const carol = await createUser(server.url);
    const carolApi = new ApiClient({ baseUrl: server.url, token: carol.token });
    const { page, section } = await settingsOf(carol);
    await section.getByRole("button", { name: "Use this browser for encrypted chats" }).click();
    await section.getByRole("button", { name: "Add this browser" }).click();
    await visible(section.getByText("this browser", { exact: true }));
    const [device] = await carolApi.devices.list();
    await carolApi.devices.remove(device?.id ?? "");
    await page.reload();
    await visible(section.getByRole("button", { name: "Use this browser for encrypted chats" }));
    assert.equal(await page.evaluate(keptDevice, carol.id), undefined);
    await page.context().close();
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});

/** Waits until the account's only device has `unused` key packages on the server. */
async function poolIs(api: ApiClient, unused: number): Promise<void> {
  const until = Date.now() + WAIT;
  let seen: number | undefined;
  while (Date.now() < until) {
    seen = (await api.devices.list())[0]?.unused_key_packages;
    if (seen === unused) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the device has ${seen} key packages on the server, not ${unused}`);
}

/**
 * Runs in the page: what this browser's IndexedDB keeps of `userId`'s device (the key
 * packages counted), or undefined.
 */
function keptDevice(userId: string) {
  type Kept = {
    device_id: string;
    signature_public_key: string;
    signature_private_key: string;
    key_packages: number;
  };
  return new Promise<Kept | undefined>((resolve, reject) => {
    // The test's own types know no DOM: the page's IndexedDB, read as it is.
    const open = (globalThis as any).indexedDB.open("private-chat-e2ee");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const read = open.result.transaction("devices").objectStore("devices").get(userId);
      read.onerror = () => reject(read.error);
      read.onsuccess = () => {
        const saved = read.result;
        open.result.close();
        resolve(
          saved && {
            device_id: saved.device_id,
            signature_public_key: saved.signature_public_key,
            signature_private_key: saved.signature_private_key,
            key_packages: saved.key_packages.length,
          },
        );
      };
    };
  });
}
