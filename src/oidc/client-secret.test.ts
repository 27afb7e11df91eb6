/**
 * A provider's client secret: read from a file its owner alone may read, or from the
 * variable it names; anything else is a configuration problem that says what to do,
 * reported by `chat-server config check` and at start.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { loadConfig } from "../config/load.js";
import { oidcProviderSchema } from "../config/schema.js";
import { checkSecrets } from "../config/secrets.js";
import { clientSecret } from "./client-secret.js";

const dir = mkdtempSync(join(tmpdir(), "chat-client-secret-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const provider = (fields: Record<string, unknown>) =>
  oidcProviderSchema.parse({
    id: "corp",
    name: "Corp",
    issuer: "https://id.example.com",
    client_id: "chat",
    ...fields,
  });

it("reads the file's first line, or the named variable, or none for a public client", () => {
  const file = join(dir, "ok.secret");
  writeFileSync(file, "s3cret\nignored\n", { mode: 0o600 });
  assert.equal(clientSecret(provider({ client_secret_file: file })), "s3cret");
  assert.equal(
    clientSecret(provider({ client_secret_env: "CORP_SECRET" }), { CORP_SECRET: "from-env" }),
    "from-env",
  );
  assert.equal(clientSecret(provider({})), undefined);
});

it("reports a file others may read, a missing file and an empty variable", () => {
  const open = join(dir, "open.secret");
  writeFileSync(open, "s3cret\n");
  chmodSync(open, 0o644);
  const config = loadConfig({
    env: {},
    overrides: {
      auth: { jwt_secret: "x".repeat(40) },
      oidc: {
        providers: [
          provider({ id: "open", client_secret_file: open }),
          provider({ id: "gone", client_secret_file: join(dir, "missing") }),
          provider({ id: "env", client_secret_env: "CHAT_TEST_UNSET_SECRET" }),
        ],
      },
    },
  });
  const problems = checkSecrets(config, "config.toml");
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(
    problems[0] ?? "",
    /open: the client secret file .* may be read by others .*chmod 600/,
  );
  assert.match(problems[1] ?? "", /gone: the client secret file .* cannot be read \(ENOENT\)/);
  assert.match(problems[2] ?? "", /env: the environment variable CHAT_TEST_UNSET_SECRET/);
});
