// Runs the test files given, in the order given, three at a time, each in its own process,
// with the spec reporter; exits 1 when any test failed. `node --test` would sort the files
// by name, undoing the longest-first order of scripts/order-test-files.ts (the longest
// suites, in test/web, would start last and the run would end on them); node:test's run()
// keeps the order. The processes it starts get this process's node flags (the TypeScript
// loader, the timer, the build's imports), as under `node --test`.
import { run } from "node:test";
import { spec } from "node:test/reporters";

const CONCURRENCY = 3;

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("run-test-files: no test files given\n");
  process.exit(1);
}
const stream = run({ files, concurrency: CONCURRENCY });
stream.on("test:fail", () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
