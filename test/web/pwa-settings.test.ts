/**
 * Settings → Notifications in real Chromium: the permission state, and turning notifications on from a click. Chromium's push service (Google's)
 * cannot be reached here, so whether pushManager.subscribe() succeeds depends on the
 * sandbox; the test accepts either the subscribed state or the browser's refusal shown
 * as an error, and checks the rest of the flow (test notification, turning off) when
 * the subscription exists.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { generateVapidKeys } from "../../src/push/vapid-keys.js";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { person, register, visible, WAIT } from "./helpers.js";

describe("notification settings", { timeout: 180_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  before(async () => {
    const keys = generateVapidKeys();
    server = await startTestServer({
      push: {
        vapid_public_key: keys.publicKey,
        vapid_private_key: keys.privateKey,
        allow_private_endpoints: true,
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks nothing until clicked, then says what the browser allows", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await register(page, server.url, person("Nina"));
    await page.goto(`${server.url}/#/settings`);
    const section = page.getByRole("region", { name: "Notifications" });
    await visible(section.getByRole("button", { name: "Turn on notifications" }));
    assert.equal(await page.evaluate(() => (globalThis as any).Notification.permission), "default");

    await context.grantPermissions(["notifications"], { origin: server.url });
    await section.getByRole("button", { name: "Turn on notifications" }).click();
    const on = section.getByText("Notifications are on for this browser.");
    const refused = section.getByRole("alert");
    await on.or(refused).first().waitFor({ state: "visible", timeout: WAIT });
    if (await on.isVisible()) {
      const listed = await page.evaluate(async () => {
        const res = await fetch("/api/v1/push/subscriptions", {
          headers: {
            authorization: `Bearer ${JSON.parse((globalThis as any).localStorage.getItem("pc.session")).token}`,
          },
        });
        return ((await res.json()) as { subscriptions: unknown[] }).subscriptions.length;
      });
      assert.equal(listed, 1);
      await section.getByRole("button", { name: "Send a test notification" }).click();
      await visible(page.getByText("Test notification sent."));
      await section.getByRole("button", { name: "Turn off notifications" }).click();
      await visible(section.getByRole("button", { name: "Turn on notifications" }));
    } else {
      // The browser could not reach its push service: the reason is shown, nothing breaks.
      assert.notEqual((await refused.textContent())?.trim() ?? "", "");
      console.log(`pushManager.subscribe() refused here: ${await refused.textContent()}`);
    }
    await context.close();
  });
});
