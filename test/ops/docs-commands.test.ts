/**
 * The shell blocks of README.md, docs/*.md and packages/* /README.md: each is marked as run
 * by this test or as needing something a test machine lacks (doc-blocks.ts), and the
 * blocks marked `runs` run, document by document, against a real chat-server started
 * from this build on 127.0.0.1 as its systemd unit would start it (doc-sandbox.ts has the
 * substitutions that make the documented paths and addresses those of the test).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keepLogFile } from "../helpers/log-dir.js";
import { documents, shellBlocks } from "./doc-blocks.js";
import { createSandbox, runBlocks, type Sandbox } from "./doc-sandbox.js";

/** Accounts made with the documented command, with passwords the log audit knows. */
const accounts = (s: Sandbox, names: string[]) =>
  names
    .map(
      (name) =>
        `printf '%s' 'pw-test-${name} doc password' > ${name}.pw
chat-server user create ${name} --password-file ${name}.pw --config ${s.config} >/dev/null`,
    )
    .join("\n");

/** A 1x1 PNG, so that an attached image is a real one. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** What a document's blocks expect to exist before them, beyond DEPLOYMENT.md's steps. */
const SETUP: Record<string, (s: Sandbox) => string> = {
  "docs/ADMIN.md": (s) => accounts(s, ["bob"]),
  "docs/INTEGRATIONS.md": (s) => `printf '%s' 'pw-test-ops doc password' > ops.pw
chat-server user create ops --admin --password-file ops.pw --config ${s.config} >/dev/null
SESSION=$(jq -n --rawfile p ops.pw '{username: "ops", password: $p}' |
  curl -s ${s.url}/api/v1/auth/login -H 'content-type: application/json' --data @- | jq -r .token)
GROUP=$(curl -s ${s.url}/api/v1/conversations -H "authorization: Bearer $SESSION" \
  -H 'content-type: application/json' --data '{"type":"group","title":"Deploys"}' | jq -r .id)`,
  "docs/CLIENT.md": (s) => `${accounts(s, ["alice", "bob"])}
login() {
  jq -n --arg u "$1" --rawfile p "$1.pw" '{username: $u, password: $p}' |
    curl -s ${s.url}/api/v1/auth/login -H 'content-type: application/json' --data @-
}
ALICE=$(login alice | jq -r .token)
BOB_ID=$(login bob | jq -r .user.id)
for body in '{"type":"direct"}' '{"type":"group","title":"Ops Team"}'; do
  jq -n --argjson b "$body" --arg bob "$BOB_ID" '$b + {member_ids: [$bob]}' |
    curl -s ${s.url}/api/v1/conversations -H "authorization: Bearer $ALICE" \\
      -H 'content-type: application/json' --data @- >/dev/null
done
USERNAME=alice
PASSWORD=$(cat alice.pw)
printf '%%PDF-1.4\\n%%%%EOF\\n' > report.pdf
echo '${PNG}' | base64 -d > chart.png`,
};

describe("the documentation's shell blocks", () => {
  it("are each marked: runs, host-only (why) or not-run (why)", () => {
    const unmarked = documents()
      .flatMap((doc) => shellBlocks(doc))
      .filter((block) => !block.mark)
      .map((block) => `${block.doc}:${block.line}`);
    assert.deepEqual(unmarked, []);
  });

  for (const doc of documents()) {
    const blocks = shellBlocks(doc).filter((block) => block.mark?.kind === "runs");
    if (blocks.length === 0) continue;
    it(`${doc}: the blocks marked runs succeed against a test server`, async () => {
      const sandbox = await createSandbox();
      const env = {
        ...process.env,
        PATH: `${join(sandbox.root, "usr/local/bin")}:${process.env.PATH}`,
      };
      try {
        const setup = `systemctl start chat-server\n${SETUP[doc]?.(sandbox) ?? ""}`;
        const run = await runBlocks(sandbox, blocks, setup);
        const last = (text: string) => text.split("\n").slice(-30).join("\n");
        assert.equal(
          run.code,
          0,
          `${run.failed}\n--- output:\n${last(run.transcript)}\n--- server:\n${last(readFileSync(sandbox.serverLog, "utf8"))}`,
        );
      } finally {
        execFileSync("systemctl", ["stop", "chat-server"], { env });
        keepLogFile(sandbox.serverLog, "doc-test-server");
        rmSync(sandbox.root, { recursive: true, force: true });
      }
    });
  }
});
