/**
 * Bundles the built terminal client (packages/client/dist) into packages/client/bundle,
 * which its launcher runs. Loading a few files instead of some three hundred ES modules
 * halves the processor time of every start (about 0.43 to 0.22 s on the 2-core CI
 * machine): the client is a command that starts once per use, in scripts and tests many
 * times a minute. Encryption's code stays in chunks of its own, loaded only by commands
 * that need it, as the unbundled dynamic imports were. Readable, not minified, so a stack
 * trace still names the functions.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const client = `${root}packages/client/`;
const outdir = `${client}bundle`;

const { outputFiles } = await build({
  entryPoints: [`${client}dist/chat-client.js`],
  outdir,
  // The bundle names its sources by their paths from here, whichever folder runs this (the
  // repository's build, or npm pack's prepack in packages/client): the same bytes either way.
  absWorkingDir: root,
  // A library's ES module build before its CommonJS one, so what is not used is left out
  // (hash-wasm's CommonJS build is every one of its hashes at once).
  mainFields: ["module", "main"],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ws and the version reader use require(); an ES module bundle has none of its own.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  logLevel: "warning",
  write: false,
});

// Only what changed is written, new files before stale ones go: a build with nothing new
// (npm pack's prepack during the test suite, say) leaves a running client's chunks alone.
mkdirSync(outdir, { recursive: true });
const fresh = new Set();
for (const file of outputFiles) {
  fresh.add(file.path);
  const same = existsSync(file.path) && readFileSync(file.path).equals(file.contents);
  if (!same) writeFileSync(file.path, file.contents);
}
for (const name of readdirSync(outdir)) {
  const path = `${outdir}/${name}`;
  if (!fresh.has(path)) rmSync(path, { recursive: true, force: true });
}
