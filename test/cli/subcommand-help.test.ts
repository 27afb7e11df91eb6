import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMANDS, readCommandLine } from "../../src/cli/command-line.js";
import { USAGE } from "../../src/cli/usage.js";
import { runCli } from "../helpers/cli.js";

/**
 * The subcommand words of a top-level usage line: lowercase words before any operand or
 * flag (`[serve]`, the optional default command, counts as `serve`).
 */
function commandPath(line: string): string[] {
  const words = line.trim().split(/\s+/).slice(1);
  const path: string[] = [];
  for (const word of words.map((w) => w.replace(/^\[([a-z-]+)\]$/, "$1"))) {
    if (!/^[a-z][a-z-]*$/.test(word)) break;
    path.push(word);
  }
  return path;
}

/** The `--flag` names listed under "Flags:", one a line. */
function listedFlags(help: string): string[] {
  const section = help.split("\nFlags:\n")[1] ?? "";
  return [...section.matchAll(/^ {2}(--[a-z0-9-]+)/gm)].map((m) => m[1] ?? "");
}

async function printed(argv: string[]): Promise<string> {
  const line = await readCommandLine(argv);
  assert.equal(line.kind, "print", `${argv.join(" ")} prints instead of running`);
  return line.kind === "print" ? line.text : "";
}

describe("chat-server COMMAND --help", () => {
  it("prints the usage and flags of every subcommand and action the top-level help names", async () => {
    const usageLines = (await printed(["--help"]))
      .split("\n")
      .filter((l) => l.startsWith("  chat-server "));
    // Each command path (`user`, `user create`) with the top-level usage lines it covers.
    const paths = new Map<string, string[]>();
    for (const line of usageLines) {
      const path = commandPath(line);
      for (let n = 1; n <= path.length; n++) {
        const key = path.slice(0, n).join(" ");
        paths.set(key, [...(paths.get(key) ?? []), line]);
      }
    }
    for (const expected of ["serve", "backup", "restore", "migrate-to-postgres", "db migrate"])
      assert.ok(paths.has(expected), `${expected} in the top-level help`);

    for (const [path, lines] of paths) {
      for (const helpFlag of ["--help", "-h"]) {
        const help = await printed([...path.split(" "), helpFlag]);
        assert.match(help, /^Usage:\n/, path);
        const flags = listedFlags(help);
        assert.ok(flags.includes("--help"), `${path} lists --help`);
        for (const line of lines) {
          assert.ok(help.includes(line), `${path} --help shows ${line}`);
          for (const [flag] of line.matchAll(/--[a-z0-9-]+/g))
            assert.ok(flags.includes(flag), `${path} --help lists ${flag}: ${help}`);
        }
      }
    }
  });

  it("lists every flag a command takes, and an action's help only its own", async () => {
    assert.deepEqual(listedFlags(await printed(["user", "--help"])).sort(), [
      "--admin",
      "--config",
      "--display-name",
      "--help",
      "--json",
      "--password-file",
    ]);
    const list = await printed(["user", "list", "--config", "x.toml", "--help"]);
    assert.deepEqual(listedFlags(list).sort(), ["--config", "--help", "--json"]);
    assert.doesNotMatch(list, /user create/);
    assert.deepEqual(listedFlags(await printed(["backup", "-h"])).sort(), [
      "--config",
      "--encrypt",
      "--help",
      "--identity-file",
      "--keep",
      "--no-uploads",
      "--out",
      "--passphrase-file",
      "--recipient-file",
    ]);
  });

  it("loads, for each name, the command of that name with the usage lines the top-level help prints", async () => {
    for (const [name, load] of Object.entries(COMMANDS)) {
      const command = await load();
      assert.equal(command.name, name);
      assert.deepEqual(command.usage, USAGE[name as keyof typeof USAGE]);
    }
  });

  it("answers --help from the real command with exit 0, and still rejects unknown flags", async () => {
    const [restore, create, status, unknown] = await Promise.all([
      runCli(["restore", "--help"]),
      runCli(["user", "create", "-h"]),
      runCli(["db", "status", "--help"]),
      runCli(["restore", "--frobnicate"]),
    ]);
    for (const result of [restore, create, status]) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /^Usage:\n {2}chat-server \S+/);
    }
    assert.match(restore.stdout, /^ {2}--passphrase-file FILE/m);
    assert.match(create.stdout, /^ {2}--display-name NAME/m);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
  });
});
