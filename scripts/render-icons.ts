/**
 * Renders the web app's PNG icons (manifest icons, maskable icon, apple-touch-icon) from
 * the bubble drawn in packages/web/public/favicon.svg, once, with the headless Chromium
 * the browser tests use. The PNGs are committed; run this again only when the logo changes:
 *
 *   node --import tsx scripts/render-icons.ts
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../test/helpers/browser.js";

const BLUE = "#2f6fde";
const BUBBLE =
  "M16 20h32a4 4 0 0 1 4 4v16a4 4 0 0 1-4 4H30l-9 7v-7h-5a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z";

/** The favicon: a rounded tile (transparent corners) with the bubble. */
const rounded = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${BLUE}"/><path d="${BUBBLE}" fill="#fff"/></svg>`;
/**
 * Full-bleed square: the platform cuts its own shape. For the maskable icon the bubble
 * shrinks into the middle 80% (the safe zone every mask keeps).
 */
const square = (scale: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="${BLUE}"/><g transform="translate(32 32) scale(${scale}) translate(-32 -33.5)"><path d="${BUBBLE}" fill="#fff"/></g></svg>`;

const icons: { file: string; size: number; svg: string }[] = [
  { file: "icon-192.png", size: 192, svg: rounded },
  { file: "icon-512.png", size: 512, svg: rounded },
  { file: "icon-maskable-512.png", size: 512, svg: square(0.8) },
  { file: "apple-touch-icon.png", size: 180, svg: square(1) },
];

const outDir = fileURLToPath(new URL("../packages/web/public/icons/", import.meta.url));
const browser = await launchBrowser();
try {
  for (const icon of icons) {
    const page = await browser.newPage({
      viewport: { width: icon.size, height: icon.size },
      deviceScaleFactor: 1,
    });
    const html = `<style>html,body{margin:0;background:transparent}img{display:block;width:${icon.size}px;height:${icon.size}px}</style><img src="data:image/svg+xml;base64,${Buffer.from(icon.svg).toString("base64")}">`;
    await page.setContent(html);
    await page
      .locator("img")
      .evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
    writeFileSync(`${outDir}${icon.file}`, await page.screenshot({ omitBackground: true }));
    await page.close();
  }
} finally {
  await browser.close();
}
