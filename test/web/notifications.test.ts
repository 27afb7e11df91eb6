/**
 * Notification preferences in the web app, in headless Chromium: the conversation's
 * notifications menu (mute for a while or until unmuted, unmute, the level) from the
 * keyboard; a muted conversation dimmed with a labelled icon in the list and left out of
 * the tab title's unread count; a change made on another device arriving live; the
 * do-not-disturb hours in Settings, saved to the server and following other devices.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MUTED_FOREVER } from "@private-chat/sdk";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  gone,
  PASSWORD,
  signedInPage,
  signIn,
  visible,
  WAIT,
  watchErrors,
} from "./helpers.js";

describe("notification preferences in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  const errors: string[] = [];
  const ids: Record<string, string> = {};

  const say = async (conversationId: string, body: string) => {
    const res = await request(
      server.url,
      "POST",
      `/api/v1/conversations/${conversationId}/messages`,
      { token: bob.token, body: { body } },
    );
    assert.equal(res.status, 201, res.text);
  };
  const prefs = async (conversationId: string) =>
    (
      await request(server.url, "GET", `/api/v1/conversations/${conversationId}/notifications`, {
        token: alice.token,
      })
    ).body;
  const titleIs = (title: string) =>
    page.waitForFunction((t) => (globalThis as any).document.title === t, title, { timeout: WAIT });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    [alice, bob] = await Promise.all([
      createUser(server.url, { password: PASSWORD }),
      createUser(server.url, { password: PASSWORD }),
    ]);
    for (const title of ["Plans", "Elsewhere", "Third"])
      ids[title] = (await createGroup(server.url, alice, [bob], title)).id;
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("mutes from the conversation's menu by keyboard; the list shows it muted", async () => {
    await conversationLink(page, "Plans").click();
    const bell = page.getByRole("button", { name: "Notifications", exact: true });
    await bell.focus();
    await page.keyboard.press("Enter");
    assert.equal(await bell.getAttribute("aria-expanded"), "true");
    const first = page.getByRole("button", { name: "Mute for 1 hour" });
    await visible(first);
    assert.ok(
      await first.evaluate((el) => el === (globalThis as any).document.activeElement),
      "focus moves in",
    );
    await visible(page.getByRole("button", { name: "Mute for 8 hours" }));
    // Escape closes it and gives focus back to the bell.
    await page.keyboard.press("Escape");
    await gone(first);
    assert.ok(
      await bell.evaluate((el) => el === (globalThis as any).document.activeElement),
      "focus goes back",
    );

    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Mute until I unmute" }).press("Enter");
    const mutedBell = page.getByRole("button", { name: "Notifications (muted)" });
    await visible(mutedBell);
    assert.equal((await prefs(ids.Plans ?? "")).muted_until, MUTED_FOREVER);
    const link = conversationLink(page, "Plans");
    assert.match((await link.textContent()) ?? "", /\(muted\)/);
    assert.match((await link.getAttribute("class")) ?? "", /\bmuted\b/);
  });

  it("sets the level with the radio buttons", async () => {
    await page.getByRole("button", { name: "Notifications (muted)" }).click();
    await visible(page.getByText("Muted until you unmute"));
    const all = page.getByRole("radio", { name: /All messages/ });
    assert.ok(await all.isChecked(), "the default of a small group");
    await page.getByRole("radio", { name: "Mentions only" }).check();
    // The server's answer ends the "(default)" note: the level is the member's own now.
    await gone(page.locator(".notify-default"));
    assert.ok(await page.getByRole("radio", { name: "Mentions only" }).isChecked());
    assert.equal((await prefs(ids.Plans ?? "")).level, "mentions");
    await page.keyboard.press("Escape");
  });

  it("leaves a muted conversation out of the tab title's unread count", async () => {
    await conversationLink(page, "Elsewhere").click();
    await say(ids.Plans ?? "", "in the muted group");
    await visible(conversationLink(page, "Plans").locator(".badge"));
    await titleIs("Private Chat");
    await say(ids.Third ?? "", "in a group that is not muted");
    await titleIs("(1) Private Chat");
  });

  it("hears a mute set on another device, live", async () => {
    const res = await request(
      server.url,
      "PUT",
      `/api/v1/conversations/${ids.Third}/notifications`,
      { token: alice.token, body: { muted_until: Date.now() + 3_600_000 } },
    );
    assert.equal(res.status, 200, res.text);
    await page.waitForFunction(
      () =>
        [...(globalThis as any).document.querySelectorAll("a.conv.muted")].some((a: any) =>
          String(a.textContent).includes("Third"),
        ),
      undefined,
      { timeout: WAIT },
    );
    await titleIs("Private Chat");
  });

  it("unmutes from the menu", async () => {
    await conversationLink(page, "Plans").click();
    await page.getByRole("button", { name: "Notifications (muted)" }).click();
    await page.getByRole("button", { name: "Unmute" }).click();
    await visible(page.getByRole("button", { name: "Notifications", exact: true }));
    assert.equal((await prefs(ids.Plans ?? "")).muted_until, null);
    assert.doesNotMatch((await conversationLink(page, "Plans").textContent()) ?? "", /\(muted\)/);
    assert.deepEqual(errors, []);
  });

  it("sets do-not-disturb hours in Settings, follows another device, turns them off", async () => {
    // A browser in Tokyo: the hours default to its zone.
    const tokyo = await (await browser.newContext({ timezoneId: "Asia/Tokyo" })).newPage();
    watchErrors(tokyo, errors);
    await signIn(tokyo, server.url, { username: alice.username, displayName: alice.username });
    await tokyo.evaluate(`location.hash = "#/settings"`);
    const section = tokyo.getByRole("region", { name: "Do not disturb" });
    const pause = section.getByRole("checkbox", { name: "Pause notifications every day" });
    const from = section.getByLabel("From", { exact: true });
    const to = section.getByLabel("To", { exact: true });
    const zone = section.getByLabel("Time zone");
    const status = section.getByRole("status");
    const save = section.getByRole("button", { name: "Save" });
    const stored = async () =>
      (await request(server.url, "GET", "/api/v1/me/notifications", { token: alice.token })).body
        .dnd;
    await visible(status.getByText("Do not disturb is off."));
    assert.equal(await pause.isChecked(), false);
    assert.equal(await zone.inputValue(), "Asia/Tokyo");
    assert.ok(await from.isDisabled(), "the hours wait for the switch");

    await pause.check();
    await from.fill("22:30");
    await to.fill("06:45");
    await save.click();
    await visible(
      status.getByText(
        "Saved. Notifications are paused from 22:30 to 06:45 every day (Asia/Tokyo).",
      ),
    );
    assert.deepEqual(await stored(), { start: "22:30", end: "06:45", time_zone: "Asia/Tokyo" });

    // A zone that is no zone is refused here, in an alert, and nothing is sent.
    await zone.fill("Mars/Olympus");
    await save.click();
    await visible(section.getByRole("alert").getByText(/"Mars\/Olympus" is not a time zone/));
    assert.equal(await zone.getAttribute("aria-invalid"), "true");
    assert.equal((await stored()).time_zone, "Asia/Tokyo");

    // Another device changes the hours: the form shows them, and the alert goes.
    const res = await request(server.url, "PUT", "/api/v1/me/notifications", {
      token: alice.token,
      body: { dnd: { start: "21:00", end: "08:00", time_zone: "Europe/Berlin" } },
    });
    assert.equal(res.status, 200, res.text);
    await visible(
      status.getByText("Notifications are paused from 21:00 to 08:00 every day (Europe/Berlin).", {
        exact: true,
      }),
    );
    assert.equal(await from.inputValue(), "21:00");
    assert.equal(await to.inputValue(), "08:00");
    assert.equal(await zone.inputValue(), "Europe/Berlin");
    await gone(section.getByRole("alert"));

    // Settings opened afresh loads what the server holds.
    await tokyo.reload();
    await visible(status.getByText(/from 21:00 to 08:00/));
    assert.ok(await pause.isChecked());

    await pause.uncheck();
    await save.click();
    await visible(status.getByText("Saved. Do not disturb is off."));
    assert.equal(await stored(), null);
    await tokyo.context().close();
    assert.deepEqual(errors, []);
  });
});
