/**
 * docs/CONFIGURATION.md and deploy/config.example.toml against the schema: every section
 * and key documented once, with its real type, bounds, default and environment variable,
 * and nothing documented that the loader would refuse. Each test lists every drift it
 * finds, so one run shows all that needs fixing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { type ConfigKey, configKeys } from "../../src/config/keys.js";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";

const DOC = "docs/CONFIGURATION.md";
const EXAMPLE = "deploy/config.example.toml";
const doc = readFileSync(DOC, "utf8");
const keys = configKeys();
const sections = [...new Set(keys.map((k) => k.section))];

/** A default as it is written in TOML (and in the doc's default column). */
function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The code spans of a Markdown table cell, without their backticks. */
const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? "");

/** The rows of the first table under each `### [section]` heading, by section. */
function referenceTables(): Map<string, string[][]> {
  const tables = new Map<string, string[][]>();
  const parts = doc.split(/^### `\[(\w+)\]`\s*$/m);
  for (let i = 1; i < parts.length; i += 2) {
    // The first table under the heading: its header, separator and rows.
    const lines = (parts[i + 1] ?? "").split("\n");
    const start = lines.findIndex((line) => line.startsWith("|"));
    const end = lines.findIndex((line, n) => n > start && !line.startsWith("|"));
    const body = lines.slice(start + 2, end === -1 ? undefined : end).map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
    tables.set(parts[i] ?? "", body);
  }
  return tables;
}

/** What the type column must say for one key; each entry is a phrase it must contain. */
function typePhrases(k: ConfigKey): string[] {
  const phrases: string[] = [];
  if (k.values) return phrases; // checked as the exact list of quoted values
  phrases.push(k.type);
  if (k.minimum !== undefined && k.maximum !== undefined) {
    phrases.push(`${k.minimum} to ${k.maximum}`);
  } else if (k.minimum !== undefined) {
    phrases.push(`at least ${k.minimum}`);
  } else if (k.maximum !== undefined) {
    phrases.push(`at most ${k.maximum}`);
  }
  if (k.exclusiveMinimum !== undefined) phrases.push(`greater than ${k.exclusiveMinimum}`);
  if (k.minLength === 1) phrases.push("not empty");
  else if (k.minLength !== undefined) phrases.push(`at least ${k.minLength} characters`);
  return phrases;
}

describe(`${DOC} against src/config/schema.ts`, () => {
  it("has one reference table per section, in the schema's order", () => {
    assert.deepEqual([...referenceTables().keys()], sections);
  });

  it("lists every key with its type, bounds, default and environment variable", () => {
    const tables = referenceTables();
    const problems: string[] = [];
    for (const section of sections) {
      const rows = tables.get(section) ?? [];
      const documented = rows.map((row) => codeSpans(row[0] ?? "")[0] ?? "");
      const expected = keys.filter((k) => k.section === section).map((k) => k.key);
      for (const key of documented.filter((d) => !expected.includes(d))) {
        problems.push(`[${section}] ${key}: documented, but the schema has no such key`);
      }
      if (documented.join() !== expected.join() && documented.length === expected.length) {
        problems.push(`[${section}]: keys listed as ${documented}, schema order is ${expected}`);
      }
      for (const k of keys.filter((key) => key.section === section)) {
        const row = rows.find((r) => codeSpans(r[0] ?? "")[0] === k.key);
        const where = `[${section}] ${k.key}`;
        if (!row) {
          problems.push(`${where}: missing from the table`);
          continue;
        }
        const [, type = "", shownDefault = "", env = ""] = row;
        if (codeSpans(shownDefault)[0] !== tomlValue(k.default)) {
          problems.push(`${where}: default shown as ${shownDefault}, is ${tomlValue(k.default)}`);
        }
        if (codeSpans(env).join() !== k.env) {
          problems.push(`${where}: environment variable shown as ${env}, is ${k.env}`);
        }
        for (const phrase of typePhrases(k)) {
          if (!type.includes(phrase)) problems.push(`${where}: type column lacks "${phrase}"`);
        }
        if (k.values) {
          const shown = codeSpans(type).map((v) => JSON.parse(v) as string);
          if (shown.join() !== k.values.join()) {
            problems.push(`${where}: values shown as ${shown}, allowed are ${k.values}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("names only real environment variables", () => {
    const known = new Set(keys.map((k) => k.env));
    const prefixes = sections.map((s) => `CHAT_${s.toUpperCase()}_`);
    // The one name the doc spells wrong on purpose, to show that it is ignored.
    const misspelt = "CHAT_SERVER_PROT";
    assert.ok(!known.has(misspelt));
    const named = [...doc.matchAll(/\bCHAT_[A-Z0-9_]+/g)].map((m) => m[0]);
    const unknown = named.filter(
      (name) => name !== misspelt && prefixes.some((p) => name.startsWith(p)) && !known.has(name),
    );
    assert.deepEqual([...new Set(unknown)], []);
  });

  it("shows the real lists of known sections and keys in its error examples", () => {
    const problems: string[] = [];
    for (const [, list] of doc.matchAll(/\(known sections: ([^)]*)\)/g)) {
      if (list !== sections.join(", ")) problems.push(`known sections: ${list}`);
    }
    const keyLists = sections.map((s) =>
      keys
        .filter((k) => k.section === s)
        .map((k) => k.key)
        .join(", "),
    );
    for (const [, list] of doc.matchAll(/\(known keys: ([^)]*)\)/g)) {
      if (!keyLists.includes(list ?? "")) problems.push(`known keys: ${list}`);
    }
    assert.deepEqual(problems, []);
  });

  it("has only valid TOML examples, with known sections and keys", () => {
    const blocks = [...doc.matchAll(/^```toml\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? "");
    assert.ok(blocks.length > 0);
    for (const block of blocks) {
      const parsed = configSchema.safeParse(parseToml(block));
      assert.ok(parsed.success, `${block}\n${parsed.error?.message}`);
    }
  });
});

describe(`${EXAMPLE} against src/config/schema.ts`, () => {
  const text = readFileSync(EXAMPLE, "utf8");

  it("is a valid configuration", () => {
    assert.doesNotThrow(() => loadConfig({ file: EXAMPLE, env: {} }));
  });

  it("sets every key, or shows it as a commented-out line in its section", () => {
    const parsed = parseToml(text) as Record<string, Record<string, unknown>>;
    const sectionText = new Map<string, string>();
    const parts = text.split(/^\[(\w+)\]\s*$/m);
    for (let i = 1; i < parts.length; i += 2) sectionText.set(parts[i] ?? "", parts[i + 1] ?? "");
    const missing = keys.filter(
      (k) =>
        parsed[k.section]?.[k.key] === undefined &&
        !new RegExp(`^# ${k.key} = `, "m").test(sectionText.get(k.section) ?? ""),
    );
    assert.deepEqual(
      missing.map((k) => `[${k.section}] ${k.key}`),
      [],
    );
    assert.deepEqual([...sectionText.keys()], sections, "one table per section, in order");
  });
});
