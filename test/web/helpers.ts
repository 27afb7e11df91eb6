/**
 * Shared steps for the browser tests: every wait is bounded, and elements are found by
 * role, label or text, so the tests also check that the app is accessible.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Locator, Page } from "playwright-core";
import { DEFAULT_TEST_PASSWORD } from "../helpers/factories.js";

// Generous: a loaded 2-core CI machine runs three test files and a browser at once.
export const WAIT = 15_000;
export const PASSWORD = DEFAULT_TEST_PASSWORD;

export interface Person {
  username: string;
  displayName: string;
}

export function person(name: string): Person {
  return { username: `${name.toLowerCase()}_${randomBytes(3).toString("hex")}`, displayName: name };
}

export async function visible(locator: Locator, timeout = WAIT): Promise<void> {
  await locator.waitFor({ state: "visible", timeout });
}

export async function gone(locator: Locator, timeout = WAIT): Promise<void> {
  await locator.waitFor({ state: "hidden", timeout });
}

/**
 * Collects uncaught errors and console errors of the page. Chromium's own notes about
 * reconnect attempts failing while the context is offline are expected, not errors.
 */
export function watchErrors(page: Page, errors: string[]): void {
  page.on("pageerror", (err) => errors.push(`${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().includes("ERR_INTERNET_DISCONNECTED")) {
      errors.push(msg.text());
    }
  });
}

export async function register(page: Page, baseUrl: string, who: Person): Promise<void> {
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Display name").fill(who.displayName);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await visible(page.getByRole("heading", { name: "Chats" }));
}

export async function signIn(page: Page, baseUrl: string, who: Person): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("heading", { name: "Chats" }));
}

/**
 * A fresh page signed in as `user` (display name = username), with its errors collected;
 * in a context of its own, as axe-core needs.
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  user: { username: string },
  errors: string[],
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  watchErrors(page, errors);
  await signIn(page, baseUrl, { username: user.username, displayName: user.username });
  return page;
}

export function messageList(page: Page): Locator {
  return page.getByRole("list", { name: "Messages" });
}

/** Types into the composer and sends with Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
}

export function conversationLink(page: Page, title: string): Locator {
  return page.getByRole("navigation", { name: "Conversations" }).getByRole("link", {
    name: new RegExp(`^${title}`),
  });
}

/** The texts of the message bubbles, in the order shown. */
export async function bubbleTexts(page: Page): Promise<string[]> {
  return messageList(page).locator("p.text").allTextContents();
}

/** Waits until every one of `texts` is shown, then checks each appears once, in order. */
export async function expectInOrderOnce(page: Page, texts: string[]): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const doc = (globalThis as any).document;
      const shown = [...doc.querySelectorAll('[aria-label="Messages"] p.text')].map(
        (p: any) => p.textContent,
      );
      return wanted.every((t) => shown.includes(t));
    },
    texts,
    { timeout: WAIT * 2 },
  );
  const shown = await bubbleTexts(page);
  for (const text of texts) {
    assert.equal(shown.filter((s) => s === text).length, 1, `"${text}" shown once in ${shown}`);
  }
  const positions = texts.map((t) => shown.indexOf(t));
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    `in order: ${shown.join(" | ")}`,
  );
}

/** Axe finds nothing on the page at a desktop and a phone width, light and dark. */
export async function passesAxe(page: Page, what: string): Promise<void> {
  const size = page.viewportSize();
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 760 },
  ]) {
    await page.setViewportSize(viewport);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const result = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(
        result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`),
        [],
        `${what}, ${viewport.width} px, ${colorScheme}`,
      );
    }
  }
  if (size) await page.setViewportSize(size);
  await page.emulateMedia({ colorScheme: "light" });
}
