/**
 * How the composer reads "/" text: the commands offered while a name is typed, and
 * `/name text` split for running (anything else is an ordinary message).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AvailableCommand } from "@private-chat/sdk";
import { matchingCommands, parseCommand } from "./command-text.js";

const command = (name: string) =>
  ({ name, description: "", usage: "", bot: { id: "b", username: "bot" } }) as AvailableCommand;
const all = [command("deploy"), command("dice"), command("status")];
const names = (list: AvailableCommand[]) => list.map((c) => c.name);

describe("slash command text", () => {
  it("offers the commands starting with what follows /, until a space follows", () => {
    assert.deepEqual(names(matchingCommands(all, "/")), ["deploy", "dice", "status"]);
    assert.deepEqual(names(matchingCommands(all, "/d")), ["deploy", "dice"]);
    assert.deepEqual(names(matchingCommands(all, "/DE")), ["deploy"]);
    assert.deepEqual(names(matchingCommands(all, "/x")), []);
    assert.deepEqual(names(matchingCommands(all, "/deploy ")), []);
    assert.deepEqual(names(matchingCommands(all, "hello /d")), []);
    assert.deepEqual(names(matchingCommands(all, "")), []);
  });

  it("splits /name text, and reads nothing else as a command", () => {
    assert.deepEqual(parseCommand("/deploy prod"), { name: "deploy", text: "prod" });
    assert.deepEqual(parseCommand("  /deploy   prod eu \n"), { name: "deploy", text: "prod eu" });
    assert.deepEqual(parseCommand("/status"), { name: "status", text: "" });
    assert.deepEqual(parseCommand("/deploy\nline two"), { name: "deploy", text: "line two" });
    for (const text of ["deploy prod", "/", "/ deploy", "/Deploy", "//deploy", "/de:ploy x"]) {
      assert.equal(parseCommand(text), null, text);
    }
  });
});
