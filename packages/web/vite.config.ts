/**
 * Builds the web app into dist/, which chat-server serves at "/". Assets get content
 * hashes in their names, so the server can cache them for a year.
 */
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig } from "vite";

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
  ],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
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
