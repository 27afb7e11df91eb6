// Compiles the suite's TypeScript outside the build (test/, and the bench/ and scripts/
// modules tests import) to JavaScript under dist-tests/, file for file, so that `npm test`
// runs each test file with no module loader at all. A TypeScript loader hooks every
// import of the process, node_modules included, and costs each of the suite's ~230
// processes seconds of processor time before its first test; the server and packages
// the tests import already come from their build (dist-tests/src is a link to dist/).
//
// What a compiled file reads beside itself (fixtures, docs, deploy files) it still finds:
// import.meta.url, dirname and filename name its source file, and an inline source map
// points stack traces at the source lines. JavaScript, not TypeScript: it runs before
// anything is compiled.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = "dist-tests";
const TREES = ["test", "bench", "scripts"];
const SKIP = new Set(["node_modules", "results"]);

function* typeScriptFiles(dir) {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* typeScriptFiles(path);
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      yield path;
    }
  }
}

async function compile(path) {
  const source = join(ROOT, path);
  const { code } = await transform(readFileSync(source, "utf8"), {
    loader: "ts",
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "inline",
    sourcefile: source,
    // As tsc and tsx read the project: type-only imports are written `import type`.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, target: "ES2023" } },
    define: {
      "import.meta.url": JSON.stringify(pathToFileURL(source).href),
      "import.meta.dirname": JSON.stringify(dirname(source)),
      "import.meta.filename": JSON.stringify(source),
    },
  });
  const target = join(ROOT, OUT, path.replace(/\.ts$/, ".js"));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
}

rmSync(join(ROOT, OUT), { recursive: true, force: true });
const files = TREES.filter((tree) => existsSync(join(ROOT, tree))).flatMap((tree) => [
  ...typeScriptFiles(tree),
]);
await Promise.all(files.map(compile));
// `../../src/x.js` from a compiled test is the server's build, as the loader of a source
// run (scripts/built-sources.mjs) makes it.
symlinkSync(relative(join(ROOT, OUT), join(ROOT, "dist")), join(ROOT, OUT, "src"));
process.stdout.write(`compiled ${files.length} files to ${OUT}${sep}\n`);
