/**
 * The command line (args.ts): every command in COMMANDS parses; --help, --version and the
 * interactive default; unknown commands and options, missing and surplus positionals and
 * bad option values are `usage` errors; stringOption; and HELP (help-text.ts) documents
 * every command.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMANDS, type Parsed, parseCommandLine, stringOption } from "./args.js";
import { CliError } from "./errors.js";
import { HELP } from "./help-text.js";

/** Asserts that parsing `argv` fails with a usage error whose message contains `text`. */
function assertUsage(argv: string[], text: string): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.code, "usage");
      assert.equal(err.exitCode, 1);
      assert.ok(err.message.includes(text), `"${err.message}" lacks "${text}"`);
      assert.ok(err.message.endsWith("(see chat-client --help)"));
      return true;
    },
  );
}

function command(argv: string[]): Extract<Parsed, { kind: "command" }> {
  const parsed = parseCommandLine(argv);
  assert.equal(parsed.kind, "command");
  return parsed as Extract<Parsed, { kind: "command" }>;
}

// A minimal valid command line for each command.
const EXAMPLES: Record<string, string[]> = {
  login: ["login", "--server", "https://chat.example", "--username", "ann", "--code", "123456"],
  register: ["register", "--server=https://x", "--invite-code", "abc", "--display-name", "Ann"],
  logout: ["logout"],
  whoami: ["whoami", "--json"],
  conversations: ["conversations"],
  send: ["send", "team", "hello", "world"],
  tail: ["tail", "team", "--history", "5"],
  requests: ["requests", "--json"],
  accept: ["accept", "@eve"],
  decline: ["decline", "@eve"],
  block: ["block", "@eve"],
  unblock: ["unblock", "eve"],
  blocked: ["blocked"],
  mute: ["mute", "team", "--for", "8h"],
  unmute: ["unmute", "team", "--json"],
  notify: ["notify", "team", "mentions"],
  dnd: ["dnd", "22:00", "07:00", "--zone", "Europe/Berlin"],
  dm: ["dm", "@bob", "--json"],
  group: ["group", "create", "Ops", "@bob", "@carol"],
  members: ["members", "add", "Ops", "@dave"],
  search: ["search", "lunch", "friday", "--in", "team"],
  edit: ["edit", "4617d686", "new", "text"],
  delete: ["delete", "4617d686", "--json"],
  react: ["react", "4617d686", "👍", "--remove"],
  read: ["read", "team"],
  download: ["download", "9c1e42d0", "--out", "a.pdf", "--force"],
  "2fa": ["2fa", "setup", "--password-file", "/run/pw"],
  token: ["token", "create", "ci", "--scope", "messages:read", "--expires-in-days", "30"],
  bot: ["bot", "create", "deploy-bot", "--display-name", "Deploys", "--scope", "messages:write"],
  hook: ["hook", "create", "team", "CI", "builds", "--json"],
  commands: ["commands", "team", "--json"],
  run: ["run", "team", "/deploy", "prod", "--json"],
  devices: ["devices", "add", "work", "laptop", "--json"],
  verify: ["verify", "@bob", "--confirm", "--json"],
  backup: ["backup", "restore", "--passphrase-file", "phrase.txt", "--json"],
};

describe("parseCommandLine", () => {
  it("has an example for every command, and each parses to that command", () => {
    assert.deepEqual(Object.keys(EXAMPLES).sort(), Object.keys(COMMANDS).sort());
    for (const [name, argv] of Object.entries(EXAMPLES)) assert.equal(command(argv).name, name);
  });

  it("takes backup passphrase with the old and the new passphrase's files", () => {
    const parsed = command([
      "backup",
      "passphrase",
      "--passphrase-file",
      "old.txt",
      "--new-passphrase-file",
      "new.txt",
    ]);
    assert.deepEqual(parsed.positionals, ["passphrase"]);
    assert.equal(parsed.values["passphrase-file"], "old.txt");
    assert.equal(parsed.values["new-passphrase-file"], "new.txt");
  });

  it("takes the new commands' positionals and options", () => {
    assert.deepEqual(command(EXAMPLES.group!).positionals, ["create", "Ops", "@bob", "@carol"]);
    assert.equal(command(EXAMPLES.react!).values.remove, true);
    assert.equal(command(EXAMPLES.download!).values.out, "a.pdf");
    assertUsage(["react", "4617d686"], "react: missing <emoji>");
    assertUsage(["download"], "download: missing <attachment-id>");
    assertUsage(["read", "a", "b"], 'read: unexpected argument "b"');
    assertUsage(["search", "x", "--in"], "search:");
  });

  it("takes a bot's subscriptions and commands, and run's text", () => {
    const subscribe = command(["bot", "subscribe", "@ci", "https://x/h", "message.new", "mention"]);
    assert.deepEqual(subscribe.positionals, [
      "subscribe",
      "@ci",
      "https://x/h",
      "message.new",
      "mention",
    ]);
    const add = command([
      "bot",
      "command",
      "add",
      "ci",
      "deploy",
      "https://x/c",
      "--usage",
      "<env>",
    ]);
    assert.deepEqual(add.positionals, ["command", "add", "ci", "deploy", "https://x/c"]);
    assert.equal(add.values.usage, "<env>");
    assert.equal(
      command(["bot", "command", "add", "--description", "Deploys"]).values.description,
      "Deploys",
    );
    assert.deepEqual(command(["run", "team", "/deploy", "--", "-f", "prod"]).positionals, [
      "team",
      "/deploy",
      "-f",
      "prod",
    ]);
    assertUsage(["run", "team"], "run: missing <command>");
    assertUsage(["commands", "team", "extra"], 'commands: unexpected argument "extra"');
  });

  it("returns option values and positionals", () => {
    const login = command(EXAMPLES.login!);
    assert.equal(login.values.server, "https://chat.example");
    assert.equal(login.values.username, "ann");
    assert.deepEqual(login.positionals, []);
    assert.equal(command(EXAMPLES.register!).values.server, "https://x");
    assert.equal(command(EXAMPLES.whoami!).values.json, true);
    const send = command(["send", "team", "hi", "--attach", "a.png", "--attach", "b.pdf"]);
    assert.deepEqual(send.positionals, ["team", "hi"]);
    assert.deepEqual(send.values.attach, ["a.png", "b.pdf"]);
    assert.deepEqual(command(EXAMPLES.tail!).positionals, ["team"]);
    assert.equal(command(EXAMPLES.tail!).values.history, "5");
    const dnd = command(EXAMPLES.dnd!);
    assert.deepEqual(dnd.positionals, ["22:00", "07:00"]);
    assert.equal(dnd.values.zone, "Europe/Berlin");
  });

  it("takes up to the optional positionals of a command that has them", () => {
    assert.deepEqual(command(["dnd"]).positionals, []);
    assert.deepEqual(command(["dnd", "off", "--json"]).positionals, ["off"]);
    assertUsage(["dnd", "22:00", "07:00", "08:00"], 'dnd: unexpected argument "08:00"');
    assertUsage(["dnd", "22:00", "--zone"], "dnd: ");
  });

  it("takes text after -- and a lone - as positionals", () => {
    assert.deepEqual(command(["send", "team", "--", "-1 point"]).positionals, ["team", "-1 point"]);
    assert.deepEqual(command(["send", "team", "-"]).positionals, ["team", "-"]);
  });

  it("starts interactive mode with no arguments", () => {
    assert.deepEqual(parseCommandLine([]), { kind: "interactive" });
  });

  it("recognises help and version anywhere they are allowed", () => {
    for (const argv of [["--help"], ["-h"], ["help"], ["send", "--help"], ["tail", "-h"]]) {
      assert.deepEqual(parseCommandLine(argv), { kind: "help" }, argv.join(" "));
    }
    // ("send --help" above: --help wins over the missing positionals.)
    for (const name of Object.keys(COMMANDS)) {
      for (const flag of ["--help", "-h"])
        assert.deepEqual(parseCommandLine([name, flag]), { kind: "help" }, `${name} ${flag}`);
    }
    assert.deepEqual(parseCommandLine(["--version"]), { kind: "version" });
    assert.deepEqual(parseCommandLine(["-V"]), { kind: "version" });
  });

  it("rejects unknown commands, including Object.prototype names", () => {
    assertUsage(["frobnicate"], 'unknown command "frobnicate"');
    assertUsage(["toString"], 'unknown command "toString"');
    assertUsage(["__proto__"], 'unknown command "__proto__"');
    assertUsage(["hasOwnProperty"], 'unknown command "hasOwnProperty"');
  });

  it("rejects unknown options before and after the command", () => {
    assertUsage(["--json"], 'unknown option "--json"');
    assertUsage(["-x"], 'unknown option "-x"');
    assertUsage(["whoami", "--bogus"], "whoami: ");
    assertUsage(["logout", "--json"], "logout: ");
    assertUsage(["whoami", "--version"], "whoami: ");
  });

  it("rejects bad option values", () => {
    assertUsage(["tail", "team", "--history"], "tail: ");
    assertUsage(["whoami", "--json=yes"], "whoami: ");
  });

  it("names the missing required argument", () => {
    assertUsage(["send"], "send: missing <conversation>");
    assertUsage(["send", "team"], "send: missing <text>");
    assertUsage(["tail"], "tail: missing <conversation>");
  });

  it("rejects surplus arguments unless the command takes the rest", () => {
    assertUsage(["tail", "team", "extra"], 'tail: unexpected argument "extra"');
    assertUsage(["logout", "now"], 'logout: unexpected argument "now"');
    assert.equal(command(["send", "a", "b", "c", "d"]).positionals.length, 4);
  });
});

describe("stringOption", () => {
  it("returns strings only", () => {
    const values = { s: "x", empty: "", b: true, list: ["a"], none: undefined };
    assert.equal(stringOption(values, "s"), "x");
    assert.equal(stringOption(values, "empty"), "");
    assert.equal(stringOption(values, "b"), undefined);
    assert.equal(stringOption(values, "list"), undefined);
    assert.equal(stringOption(values, "none"), undefined);
    assert.equal(stringOption(values, "absent"), undefined);
  });
});

describe("HELP", () => {
  it("mentions every command and every option", () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      assert.ok(HELP.includes(`chat-client ${name}`), name);
      for (const option of Object.keys(spec.options)) assert.ok(HELP.includes(`--${option}`));
    }
    assert.ok(HELP.includes("--help | --version"));
  });
});
