/**
 * Builds the web app into dist/, which chat-server serves at "/". Assets get content
 * hashes in their names, so the server can cache them for a year. The web app manifest
 * and the service worker (src/sw.ts) are built beside index.html by vite-plugin-pwa; the
 * app registers the worker from its bundle (src/pwa.ts), as the CSP allows no inline script.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";

/** Text files and WebAssembly are worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|webmanifest|txt|wasm)$/;
/** Below this, the encoded answer is hardly smaller than the file. */
const MIN_BYTES = 512;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Writes a .br and a .gz beside each text file of the build, at the strongest settings:
 * this runs once per release, and chat-server sends them as they are (preCompressed in
 * src/http/web-app.ts), so no request pays for compression.
 */
function precompress(): Plugin {
  return {
    name: "precompress",
    apply: "build",
    // After everything is written, the service worker too (vite-plugin-pwa builds it when
    // the app's bundle is closed).
    closeBundle: {
      order: "post",
      sequential: true,
      handler() {
        compressAll(OUT_DIR);
      },
    },
  };
}

function compressAll(dir: string): void {
  for (const file of filesUnder(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const bytes = readFileSync(file);
    if (bytes.length < MIN_BYTES) continue;
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    );
    writeFileSync(`${file}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
  }
}

const OUT_DIR = fileURLToPath(new URL("./dist", import.meta.url));

/** Light and dark, as in index.html's theme-color; the manifest takes one (the light). */
const LIGHT_BACKGROUND = "#f6f7f9";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  // The SDK and protocol are bundled from their TypeScript sources, so the web app never
  // waits on (or goes stale against) their compiled output.
  resolve: { conditions: ["@private-chat/source", ...defaultClientConditions] },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  plugins: [
    {
      // CHAT_SERVER_URL=https://chat.example.com npm run build: a bundle for another host.
      name: "chat-server-url",
      transformIndexHtml: (html) =>
        html.replace("%CHAT_SERVER_URL%", process.env.CHAT_SERVER_URL ?? ""),
    },
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      // Registered by src/pwa.ts from the bundle: an injected script would be inline or
      // an extra file the CSP and the precache would have to know about.
      injectRegister: false,
      manifestFilename: "manifest.webmanifest",
      // The glob below precaches every file of the shell, icons included, once each.
      includeAssets: [],
      includeManifestIcons: false,
      integration: {
        // As quiet as the app's own build (--logLevel warn).
        configureCustomSWViteBuild(config) {
          config.logLevel = "warn";
        },
      },
      injectManifest: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        // The worker's own build: the SDK and protocol from their sources, as the app.
        buildPlugins: { vite: [] },
        // A classic worker: module service workers are newer than some browsers we serve.
        rollupFormat: "iife",
        minify: true,
        sourcemap: false,
      },
      manifest: {
        id: "./",
        name: "Private Chat",
        short_name: "Chat",
        description: "Private Chat: your own, self-hosted messenger.",
        start_url: "./",
        scope: "./",
        display: "standalone",
        theme_color: LIGHT_BACKGROUND,
        background_color: LIGHT_BACKGROUND,
        icons: [
          { src: "icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          {
            src: "icons/icon-maskable-512.png",
            sizes: "512x512",
            type: "image/png",
            purpose: "maskable",
          },
        ],
      },
    }),
    precompress(),
  ],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // No inline scripts or styles: the Content-Security-Policy allows only files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/socket": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
});
