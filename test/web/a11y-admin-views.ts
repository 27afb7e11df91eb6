/**
 * The admin console's views for the accessibility suite, seen by the server's
 * administrator; they follow the member's views in a11y-views.ts.
 */
import type { Page } from "playwright-core";
import { go, type View } from "./a11y-views.js";
import { visible } from "./helpers.js";

/** A section of the admin console, its tab marked as the current page. */
async function adminSection(page: Page, section: string, label: string): Promise<void> {
  await go(page, `#/admin/${section}`);
  const tabs = page.getByRole("navigation", { name: "Console sections" });
  await visible(tabs.locator('[aria-current="page"]').getByText(label, { exact: true }));
}

const accounts = (page: Page) => page.getByRole("list", { name: "Accounts" });

export const ADMIN_VIEWS: View[] = [
  {
    name: "admin console: users",
    as: "admin",
    open: async (page, s) => {
      await adminSection(page, "users", "Users");
      await visible(accounts(page).getByText(`@${s.memberName}`));
      await visible(page.getByRole("form", { name: "Create an account" }));
    },
  },
  {
    name: "admin console: one user's actions and sessions",
    as: "admin",
    open: async (page, s) => {
      await adminSection(page, "users", "Users");
      await page.getByLabel("Search by username").fill(s.memberName);
      const row = accounts(page)
        .getByRole("listitem")
        .filter({ hasText: `@${s.memberName}` });
      await row.getByRole("button", { name: `Manage ${s.memberName}` }).click();
      await visible(row.getByRole("list", { name: `Sessions of ${s.memberName}` }));
      await row.getByRole("button", { name: "Delete account…" }).click();
      await visible(row.getByLabel("Type the username to confirm"));
    },
    close: async (page) => {
      // Nothing was sent: leaving the section drops the open row.
      await go(page, "#/");
    },
  },
  {
    name: "admin console: an account created, its password shown once",
    as: "admin",
    open: async (page) => {
      await adminSection(page, "users", "Users");
      const form = page.getByRole("form", { name: "Create an account" });
      const username = `shown_${Date.now().toString(36)}`;
      await form.getByLabel("Username", { exact: true }).fill(username);
      await form.getByRole("button", { name: "Create account" }).click();
      await visible(form.getByLabel(`Password for ${username}`));
    },
    close: async (page) => {
      await go(page, "#/");
    },
  },
  {
    name: "admin console: invites",
    as: "admin",
    open: async (page) => {
      await adminSection(page, "invites", "Invites");
      await visible(page.getByRole("button", { name: "Create invite" }));
    },
  },
  {
    name: "admin console: audit log",
    as: "admin",
    open: async (page) => {
      await adminSection(page, "audit", "Audit log");
      // The account the views above created is in it.
      await visible(page.getByRole("table", { name: "Audit entries, newest first" }));
    },
  },
  {
    name: "admin console: server",
    as: "admin",
    open: async (page) => {
      await adminSection(page, "server", "Server");
      await visible(page.getByRole("img", { name: "Messages per day" }));
    },
  },
  {
    name: "admin console: settings",
    as: "admin",
    open: async (page) => {
      await adminSection(page, "settings", "Settings");
      await visible(page.getByRole("radio", { name: /^Closed/ }));
    },
  },
];
