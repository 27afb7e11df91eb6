/**
 * The admin console's invites, audit log, server and settings sections in Chromium, on a
 * server in invite mode: an invite for two accounts opens two and refuses a third,
 * closing registration hides "Create an account" from a new visitor, the audit log
 * records and filters those changes, and the server section draws its chart.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/admin/actors.js";
import { AdminService } from "../../src/admin/service.js";
import { launchBrowser } from "../helpers/browser.js";
import { type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { PASSWORD, person, signIn, visible, WAIT, watchErrors } from "./helpers.js";

describe("admin console sections", { timeout: 240_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: TestUser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({
      auth: { registration: "invite" },
      rate_limit: { enabled: false },
    });
    browser = await launchBrowser();
    // Invite mode lets no one register without a code: the first admin comes from the CLI.
    const username = uniqueUsername("root");
    await new AdminService({ store: server.ctx.store }).createUser(CLI_ACTOR, {
      username,
      password: PASSWORD,
      admin: true,
    });
    const login = await client(server.url).post("/api/v1/auth/login", {
      username,
      password: PASSWORD,
    });
    admin = { id: login.body.user.id, username, password: PASSWORD, token: login.body.token };
    page = await browser.newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username, displayName: username });
    await page.getByRole("link", { name: "Administration" }).click();
    await visible(page.getByRole("heading", { name: "Administration" }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const tab = async (name: string) => {
    await page
      .getByRole("navigation", { name: "Console sections" })
      .getByRole("link", { name })
      .click();
  };
  const inviteRow = (text: string) => page.getByRole("row").filter({ hasText: text });

  /** A new visitor's page, registering with `code`; answers whether it got in. */
  async function registerWith(code: string): Promise<boolean> {
    const visitor = await browser.newPage();
    try {
      const who = person("Guest");
      await visitor.goto(server.url);
      await visitor.getByRole("button", { name: "Create an account" }).click();
      await visitor.getByLabel("Username").fill(who.username);
      await visitor.getByLabel("Display name").fill(who.displayName);
      await visitor.getByLabel("Password").fill(PASSWORD);
      await visitor.getByLabel("Invite code").fill(code);
      await visitor.getByRole("button", { name: "Create account" }).click();
      const chats = visitor.getByRole("heading", { name: "Chats" });
      const refused = visitor.getByRole("alert");
      await visible(chats.or(refused));
      return await chats.isVisible();
    } finally {
      await visitor.context().close();
    }
  }

  it("creates an invite for two accounts, which refuses a third, and revokes another", async () => {
    await tab("Invites");
    await page.getByLabel("Expires after").fill("2");
    await page.getByLabel("Unit").selectOption("days");
    await page.getByLabel("Number of uses").fill("2");
    await page.getByRole("button", { name: "Create invite" }).click();
    const field = page.getByLabel("Invite code");
    await visible(field);
    assert.equal(await field.getAttribute("readonly"), "");
    const code = await field.inputValue();
    assert.ok(code.length > 8, code);
    await page.getByRole("button", { name: "Copy code" }).click();
    await visible(page.getByRole("status").filter({ hasText: /Copied|Couldn't copy/ }));
    await visible(inviteRow("0 / 2"));

    assert.equal(await registerWith(code), true, "first use");
    assert.equal(await registerWith(code), true, "second use");
    assert.equal(await registerWith(code), false, "a third is refused");

    // Opening the section again lists the invites afresh.
    await tab("Server");
    await tab("Invites");
    await visible(inviteRow("2 / 2").filter({ hasText: "Used up" }));

    await page.getByLabel("Number of uses").fill("1");
    await page.getByRole("button", { name: "Create invite" }).click();
    await visible(inviteRow("0 / 1"));
    const second = await page.getByLabel("Invite code").inputValue();
    assert.notEqual(second, code);
    await inviteRow("0 / 1")
      .getByRole("button", { name: /^Revoke/ })
      .click();
    await visible(inviteRow("0 / 1").filter({ hasText: "Revoked" }));
    assert.equal(await inviteRow("0 / 1").getByRole("button").count(), 0);
    assert.equal(await registerWith(second), false, "a revoked code is refused");
  });

  it("closes registration in Settings, and goes back to the file's default", async () => {
    await tab("Settings");
    const closed = page.getByRole("radio", { name: /^Closed/ });
    await closed.check();
    await page.getByRole("button", { name: "Save" }).click();
    await visible(page.getByRole("status").filter({ hasText: "Settings saved." }));

    const visitor = await browser.newPage();
    await visitor.goto(server.url);
    await visible(visitor.getByRole("button", { name: "Sign in" }));
    assert.equal(await visitor.getByRole("button", { name: "Create an account" }).count(), 0);

    await page.getByRole("button", { name: "Use default registration" }).click();
    assert.equal(await page.getByRole("radio", { name: /^By invite/ }).isChecked(), true);
    await page.getByRole("button", { name: "Save" }).click();
    await visible(page.getByRole("status").filter({ hasText: "Settings saved." }));
    await visible(page.getByText("Default: invite", { exact: true }));

    await visitor.reload();
    await visible(visitor.getByRole("button", { name: "Create an account" }));
    await visitor.context().close();
  });

  it("shows those changes in the audit log, filtered by action, and pages back", async () => {
    await tab("Audit log");
    const table = page.getByRole("table", { name: "Audit entries, newest first" });
    await visible(table.getByRole("cell", { name: "settings.update" }).first());
    await visible(table.getByRole("cell", { name: "invite.revoke" }));
    await visible(table.getByRole("cell", { name: "invite.create" }).first());
    // Newest first: the last settings change sits above the invites.
    const actions = await table.locator("tbody tr td:nth-child(3)").allTextContents();
    assert.ok(actions.indexOf("settings.update") < actions.indexOf("invite.revoke"), `${actions}`);

    await page.getByLabel("Action").fill("settings.");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForFunction(
      () =>
        [...(globalThis as any).document.querySelectorAll("tbody tr td:nth-child(3)")].every(
          (td: any) => td.textContent === "settings.update",
        ),
      undefined,
      { timeout: WAIT },
    );
    assert.equal(await table.getByRole("cell", { name: "settings.update" }).count(), 2);

    // More changes than one page holds (50): the rest come with "Older entries".
    const api = client(server.url);
    for (let days = 1; days <= 55; days++) {
      const res = await api.patch(
        "/api/v1/admin/settings",
        { retention_messages_days: days },
        { token: admin.token },
      );
      assert.equal(res.status, 200, res.text);
    }
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = table.locator("tbody tr");
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll("tbody tr").length === 50,
      undefined,
      { timeout: WAIT },
    );
    await page.getByRole("button", { name: "Older entries" }).click();
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll("tbody tr").length === 57,
      undefined,
      { timeout: WAIT },
    );
    assert.equal(await rows.count(), 57);
    assert.equal(await page.getByRole("button", { name: "Older entries" }).count(), 0);

    // The command line made the administrator: the only entry with "cli" as its actor.
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Actor").fill("cli");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll("tbody tr").length === 1,
      undefined,
      { timeout: WAIT },
    );
    assert.deepEqual(await table.locator("tbody tr td:nth-child(3)").allTextContents(), [
      "user.create",
    ]);

    // A range that ends before anything happened holds nothing.
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Until").fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await visible(page.getByText("No entries."));
  });

  it("shows the server's figures and a chart of messages per day", async () => {
    await tab("Server");
    const chart = page.getByRole("img", { name: "Messages per day" });
    await visible(chart);
    assert.equal(await chart.locator("rect").count(), 30);
    const version = (await client(server.url).get("/api/v1/admin/server", { token: admin.token }))
      .body.version;
    await visible(page.getByText(version, { exact: true }));
    await visible(page.getByText("SQLite", { exact: true }));
    await page.getByText("The numbers as a table").click();
    await visible(page.getByRole("table", { name: "Messages per day" }));
    assert.deepEqual(errors, []);
  });

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    for (const name of ["Invites", "Audit log", "Server", "Settings"]) {
      await tab(name);
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => {
        const doc = (globalThis as any).document.documentElement;
        return doc.scrollWidth - doc.clientWidth;
      });
      assert.ok(overflow <= 0, `${name} is ${overflow}px wider than the screen`);
    }
  });

  // The shared accessibility suite sees each section in both themes and layouts, as a new
  // server shows it; here they are full of what the tests above made, on a phone in dark,
  // where the tables stack under their column names.
  it("has no axe violations with lists full, on a phone in dark", async () => {
    const found: string[] = [];
    const context = await browser.newContext({
      colorScheme: "dark",
      viewport: { width: 375, height: 900 },
    });
    const phone = await context.newPage();
    watchErrors(phone, errors);
    await signIn(phone, server.url, { username: admin.username, displayName: "" });
    for (const section of ["invites", "audit", "server", "settings"]) {
      await phone.goto(`${server.url}/#/admin/${section}`);
      await visible(phone.locator(".admin-body .card").first());
      await phone.waitForTimeout(300);
      const result = await new AxeBuilder({ page: phone }).include(".admin-body").analyze();
      for (const v of result.violations)
        for (const node of v.nodes) found.push(`${section}: ${v.id} ${node.target.join(" ")}`);
    }
    await context.close();
    assert.deepEqual(found, []);
    assert.deepEqual(errors, []);
  });
});
