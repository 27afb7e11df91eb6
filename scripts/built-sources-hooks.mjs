// The resolve hook scripts/built-sources.mjs registers. Registered after tsx, it runs
// first: tsx resolves the specifier to a .ts source, and a source with a built file beside
// the build's root answers with that file. Every import of a module goes through here, so
// a module is never loaded twice, once from each place. The web app is left alone: its
// build is one bundle, not a file per module.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url).href;
const BUILDS = [
  ["src/", "dist/"],
  ["packages/protocol/src/", "packages/protocol/dist/"],
  ["packages/sdk/src/", "packages/sdk/dist/"],
  ["packages/client/src/", "packages/client/dist/"],
];

function builtFile(url) {
  if (!url.startsWith(root) || !url.endsWith(".ts") || url.endsWith(".test.ts")) return null;
  const path = url.slice(root.length);
  for (const [source, build] of BUILDS) {
    if (!path.startsWith(source)) continue;
    const built = `${root}${build}${path.slice(source.length, -".ts".length)}.js`;
    return existsSync(fileURLToPath(built)) ? built : null;
  }
  return null;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const built = builtFile(resolved.url);
  return built ? { url: built, format: "module", shortCircuit: true } : resolved;
}
