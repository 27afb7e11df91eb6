/**
 * The installable app: the web app manifest and the service worker are served as the
 * browser needs them (content types, revalidated on every load, allowed by the CSP), the
 * worker installs in real Chromium, and the app opens from its cache with the network off.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { visible, WAIT, watchErrors } from "./helpers.js";

describe("installable web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("serves the manifest and the worker uncached-but-revalidated, with their types", async () => {
    const page = await fetch(server.url);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /worker-src 'self'/);
    assert.match(csp, /manifest-src 'self'/);
    const html = await page.text();
    assert.match(html, /<link rel="manifest" href="\.\/manifest\.webmanifest">/);
    assert.match(html, /<link rel="apple-touch-icon" href="\.\/icons\/apple-touch-icon\.png"/);
    // Everything the app registers is a file, never inline code (the CSP forbids it).
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);

    for (const encoding of ["identity", "br"]) {
      const manifest = await fetch(`${server.url}/manifest.webmanifest`, {
        headers: { "accept-encoding": encoding },
      });
      assert.equal(manifest.status, 200);
      assert.match(manifest.headers.get("content-type") ?? "", /^application\/manifest\+json/);
      assert.equal(manifest.headers.get("cache-control"), "no-cache");

      const worker = await fetch(`${server.url}/sw.js`, {
        headers: { "accept-encoding": encoding },
      });
      assert.equal(worker.status, 200);
      assert.match(worker.headers.get("content-type") ?? "", /^(text|application)\/javascript/);
      assert.equal(worker.headers.get("cache-control"), "no-cache");
      // The build wrote sw.js.br beside it (the precompress step runs after the worker's build).
      if (encoding === "br") assert.equal(worker.headers.get("content-encoding"), "br");
    }
  });

  it("has a valid manifest with every icon, and installs the service worker", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    watchErrors(page, errors);
    await page.goto(server.url);
    const scope = await page.evaluate(
      async () => (await (globalThis as any).navigator.serviceWorker.ready).scope as string,
    );
    assert.equal(scope, `${server.url}/`);

    const href = await page
      .locator('link[rel="manifest"]')
      .evaluate((l) => (l as any).href as string);
    const manifest = (await (await fetch(href)).json()) as {
      name: string;
      short_name: string;
      display: string;
      start_url: string;
      scope: string;
      theme_color: string;
      background_color: string;
      icons: { src: string; sizes: string; type: string; purpose: string }[];
    };
    assert.equal(manifest.name, "Private Chat");
    assert.equal(manifest.short_name, "Chat");
    assert.equal(manifest.display, "standalone");
    assert.equal(new URL(manifest.start_url, href).href, `${server.url}/`);
    assert.equal(new URL(manifest.scope, href).href, `${server.url}/`);
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
    const icons = manifest.icons;
    assert.deepEqual(
      icons.map((i) => `${i.sizes} ${i.purpose}`),
      ["192x192 any", "512x512 any", "512x512 maskable"],
    );
    for (const icon of [...icons, { src: "icons/apple-touch-icon.png", sizes: "180x180" }]) {
      const res = await fetch(new URL(icon.src, href));
      assert.equal(res.status, 200, icon.src);
      assert.equal(res.headers.get("content-type"), "image/png");
      const png = Buffer.from(await res.arrayBuffer());
      // The PNG header's width and height (IHDR) match the size the manifest declares.
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.sizes, icon.src);
    }
    // Chromium's own reading of the manifest: no errors, and it sees the icons.
    const cdp = await context.newCDPSession(page);
    const parsed = await cdp.send("Page.getAppManifest");
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.url, href);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("opens with the network off, from the service worker's cache", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    watchErrors(page, errors);
    await page.goto(server.url);
    await visible(page.getByRole("button", { name: "Sign in" }));
    await page.evaluate(() => (globalThis as any).navigator.serviceWorker.ready);
    // The worker claims the page it installed from; then every request goes through it.
    await page.waitForFunction(
      () => (globalThis as any).navigator.serviceWorker.controller !== null,
      undefined,
      {
        timeout: WAIT,
      },
    );

    await context.setOffline(true);
    await page.reload();
    await visible(page.getByRole("button", { name: "Sign in" }));
    // A page opened fresh, at a hash route, gets the shell too.
    const second = await context.newPage();
    await second.goto(`${server.url}/#/settings`);
    await visible(second.getByRole("button", { name: "Sign in" }));
    await context.setOffline(false);
    // Offline, the app's API calls fail; nothing else may.
    assert.deepEqual(
      errors.filter((e) => !/Failed to fetch|Failed to load resource/.test(e)),
      [],
    );
    await context.close();
  });
});
