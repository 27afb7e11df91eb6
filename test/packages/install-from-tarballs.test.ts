/**
 * The SDK and the terminal client install without the server: `npm pack` the protocol,
 * SDK and client workspaces, install the tarballs into an empty folder with install
 * scripts switched off (so nothing could be compiled), and use both against a running
 * server with plain `node`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ApiClient } from "@private-chat/sdk";
import { createUser, DEFAULT_TEST_PASSWORD, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const PACKED = ["@private-chat/protocol", "@private-chat/sdk", "@private-chat/client"];
// What an install of the tarballs may bring: the three packages, their libraries (ws, zod,
// markdown-it, ts-mls for the SDK's MLS layer, hash-wasm for the key backup's argon2id) and
// those libraries' own, none native or with an install script. ts-mls 1.6.4 imports @noble/hashes without declaring it, so the
// SDK declares it.
const LIBRARIES = [
  "ws",
  "zod",
  "markdown-it",
  "ts-mls",
  "@hpke/core",
  "@hpke/common",
  "@noble/ciphers",
  "@noble/hashes",
  "hash-wasm",
];
const MARKDOWN_IT_DEPENDENCIES = [
  "argparse",
  "entities",
  "linkify-it",
  "mdurl",
  "punycode.js",
  "uc.micro",
];
const EXPECTED_PACKAGES = [...PACKED, ...LIBRARIES, ...MARKDOWN_IT_DEPENDENCIES].sort();
const NPM_TIMEOUT_MS = 180_000;

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** Every package.json under node_modules, one level of scope deep. */
function installedPackages(root: string): { name: string; dir: string }[] {
  const found: { name: string; dir: string }[] = [];
  const modules = join(root, "node_modules");
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith(".")) continue;
    const names = entry.startsWith("@")
      ? readdirSync(join(modules, entry)).map((inner) => `${entry}/${inner}`)
      : [entry];
    for (const name of names) found.push({ name, dir: join(modules, name) });
  }
  return found;
}

async function node(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  // No --import tsx, no source condition: the installed packages run as a stranger runs them.
  const clean = { ...process.env, NODE_OPTIONS: "", ...env };
  return exec(process.execPath, args, { cwd, env: clean, timeout: 60_000 });
}

describe("the SDK and client packages, installed from their tarballs", () => {
  let work: string;
  let app: string;
  let packs: PackResult[];
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "chat-packages-"));
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    const workspaces = PACKED.flatMap((name) => ["--workspace", name]);
    const packed = await exec(
      "npm",
      ["pack", ...workspaces, "--pack-destination", tarballs, "--json", "--silent"],
      { cwd: REPO, timeout: NPM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    );
    packs = JSON.parse(packed.stdout) as PackResult[];

    app = join(work, "app");
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "a-bot", private: true, type: "module" }),
    );
    const files = packs.map((pack) => join(tarballs, pack.filename));
    await exec(
      "npm",
      ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", ...files],
      { cwd: app, timeout: NPM_TIMEOUT_MS },
    );

    server = await startTestServer({ rate_limit: { enabled: false } });
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    const api = new ApiClient({ baseUrl: server.url, token: alice.token });
    await api.createConversation({ type: "direct", member_ids: [bob.id] });
  });

  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("in the checkout, npm links the chat-client command for npx", async () => {
    const { stdout } = await exec("npx", ["--no-install", "chat-client", "--version"], {
      cwd: REPO,
      env: { ...process.env, NODE_OPTIONS: "" },
      timeout: 60_000,
    });
    assert.match(stdout, /0\.\d+\.\d+/);
  });

  it("packs compiled code with its types, and no tests", () => {
    assert.deepEqual(packs.map((pack) => pack.name).sort(), [...PACKED].sort());
    for (const pack of packs) {
      const paths = pack.files.map((file) => file.path);
      assert.ok(paths.includes("README.md"), `${pack.name} has a README`);
      assert.ok(
        paths.some((path) => /^dist\/.*\.js$/.test(path)),
        `${pack.name} has dist/*.js`,
      );
      assert.ok(
        paths.some((path) => /^dist\/.*\.d\.ts$/.test(path)),
        `${pack.name} has types`,
      );
      assert.deepEqual(
        paths.filter((path) => path.includes(".test.") || path.endsWith(".tsbuildinfo")),
        [],
        `${pack.name} ships no tests or build state`,
      );
    }
  });

  it("installs only the packages and their libraries, none with an install script", () => {
    const installed = installedPackages(app);
    assert.deepEqual(installed.map((pkg) => pkg.name).sort(), EXPECTED_PACKAGES);
    for (const { name, dir } of installed) {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        scripts?: Record<string, string>;
        gypfile?: boolean;
      };
      for (const hook of ["preinstall", "install", "postinstall"]) {
        assert.equal(manifest.scripts?.[hook], undefined, `${name} has no ${hook} script`);
      }
      assert.ok(
        !manifest.gypfile && !existsSync(join(dir, "binding.gyp")),
        `${name} is not native`,
      );
    }
  });

  it("the SDK signs in, sends and reads history against the server", async () => {
    const script = `
      import { ApiClient, ApiError } from "@private-chat/sdk";
      const [url, username, password] = process.argv.slice(2);
      const anonymous = new ApiClient({ baseUrl: url });
      const auth = await anonymous.login(username, password);
      const api = new ApiClient({ baseUrl: url, token: auth.token });
      const [conversation] = await api.conversations();
      const sent = await api.sendMessage(conversation.id, { body: "hello from the tarball" });
      const history = await api.history(conversation.id);
      let refused = "";
      try {
        await new ApiClient({ baseUrl: url }).conversations();
      } catch (err) {
        refused = err instanceof ApiError ? err.code : String(err);
      }
      const contents = history.map((message) => message.body);
      console.log(JSON.stringify({ sent: sent.body, contents, refused }));
    `;
    writeFileSync(join(app, "bot.mjs"), script);
    const { stdout } = await node(app, [
      "bot.mjs",
      server.url,
      alice.username,
      DEFAULT_TEST_PASSWORD,
    ]);
    assert.deepEqual(JSON.parse(stdout), {
      sent: "hello from the tarball",
      contents: ["hello from the tarball"],
      refused: "unauthorized",
    });
  });

  it("the SDK's MLS layer loads from its own entry point and seals a message", async () => {
    const script = `
      import { createDeviceKeys, EncryptedGroup, makeKeyPackages } from "@private-chat/sdk/mls";
      const keys = await createDeviceKeys({ userId: "u", deviceId: "d" });
      const [own] = await makeKeyPackages(keys, 1);
      const group = await EncryptedGroup.create(keys, "c", own);
      const sealed = await group.encrypt(new TextEncoder().encode("secret"));
      console.log(JSON.stringify({ epoch: String(group.epoch), sealed: sealed.length > 6 }));
    `;
    writeFileSync(join(app, "mls.mjs"), script);
    const { stdout } = await node(app, ["mls.mjs"]);
    assert.deepEqual(JSON.parse(stdout), { epoch: "0", sealed: true });
  });

  it("chat-client runs from node_modules/.bin: version, login, send, list", async () => {
    const bin = join(app, "node_modules", ".bin", "chat-client");
    const config = join(work, "client-config");
    const env = { CHAT_CLIENT_CONFIG_DIR: config, NO_COLOR: "1" };
    const version = await node(app, [bin, "--version"], env);
    assert.match(version.stdout, /0\.\d+\.\d+/);
    // As docs/CLIENT.md prints it: npx finds the command the install linked.
    const help = await exec("npx", ["--no-install", "chat-client", "--help"], {
      cwd: app,
      env: { ...process.env, NODE_OPTIONS: "", ...env },
      timeout: 60_000,
    });
    assert.match(help.stdout, /chat-client send <conversation>/);

    const passwordFile = join(work, "password");
    writeFileSync(passwordFile, `${DEFAULT_TEST_PASSWORD}\n`, { mode: 0o600 });
    await node(
      app,
      [
        bin,
        "login",
        "--server",
        server.url,
        "--username",
        bob.username,
        "--password-file",
        passwordFile,
      ],
      env,
    );
    await node(app, [bin, "send", `@${alice.username}`, "hi from the installed client"], env);
    const listed = await node(app, [bin, "conversations", "--json"], env);
    const conversations = JSON.parse(listed.stdout) as { last_message: { body: string } | null }[];
    assert.equal(conversations.length, 1, listed.stdout);
    assert.equal(conversations[0]?.last_message?.body, "hi from the installed client");
  });
});
