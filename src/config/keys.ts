/**
 * Every configuration key in one flat list: its section, type, allowed values, bounds,
 * default and environment variable. Read from the schema through zod's JSON Schema
 * export, so what the docs and the example file are checked against is what the loader
 * accepts.
 */
import { z } from "zod";
import { configDefaults, envVarName } from "./load.js";
import { configSchema } from "./schema.js";

export interface ConfigKey {
  section: string;
  key: string;
  /** `CHAT_<SECTION>_<KEY>`, the variable that overrides the key; "" for tables. */
  env: string;
  type: "integer" | "number" | "string" | "boolean" | "array of strings" | "array of tables";
  /** The allowed values, for a key that takes one of a fixed set of strings. */
  values?: string[];
  minimum?: number;
  maximum?: number;
  /** A lower bound the value must exceed (e.g. a rate that must be positive). */
  exclusiveMinimum?: number;
  /** Strings only: the shortest allowed length. */
  minLength?: number;
  default: unknown;
}

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
}

function typeOf(node: JsonSchemaNode, where: string): ConfigKey["type"] {
  switch (node.type) {
    case "integer":
    case "number":
    case "string":
    case "boolean":
      return node.type;
    case "array":
      if (node.items?.type === "string") return "array of strings";
      if (node.items?.type === "object") return "array of tables";
  }
  throw new Error(`${where}: a key type the configuration list does not know`);
}

export function configKeys(): ConfigKey[] {
  const root = z.toJSONSchema(configSchema, { io: "input" }) as JsonSchemaNode;
  const keys: ConfigKey[] = [];
  for (const [section, sectionNode] of Object.entries(root.properties ?? {})) {
    const defaults = configDefaults[section as keyof typeof configDefaults] as Record<
      string,
      unknown
    >;
    for (const [key, node] of Object.entries(sectionNode.properties ?? {})) {
      const type = typeOf(node, `[${section}] ${key}`);
      const entry: ConfigKey = {
        section,
        key,
        env: type === "array of tables" ? "" : envVarName(section, key),
        type,
        default: defaults[key],
      };
      if (node.enum) entry.values = node.enum.map(String);
      // z.int() carries the safe-integer range as its bounds: no limit worth stating.
      if (node.minimum !== undefined && node.minimum > Number.MIN_SAFE_INTEGER) {
        entry.minimum = node.minimum;
      }
      if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) {
        entry.maximum = node.maximum;
      }
      if (node.exclusiveMinimum !== undefined) entry.exclusiveMinimum = node.exclusiveMinimum;
      if (node.minLength !== undefined) entry.minLength = node.minLength;
      keys.push(entry);
    }
  }
  return keys;
}
