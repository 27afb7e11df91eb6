/**
 * Values for an OpenAPI document's JSON Schemas: a fast-check arbitrary of values the
 * schema accepts (bounded in size), with a hook that lets named fields draw from known
 * values (ids of a seeded world, usernames, emoji) so valid requests reach real targets.
 */
import fc from "fast-check";
import { EDGE_STRINGS } from "./hostile.js";

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
}

/** Known values for a field, by its name (a property, a path or a query parameter). */
export type FieldHint = (name: string) => fc.Arbitrary<unknown> | undefined;

// Generated values stay small: the size limits themselves are probed by the mutations.
const STRING_CAP = 80;
const ARRAY_CAP = 4;

function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? STRING_CAP, STRING_CAP));
  if (schema.format === "uuid") return fc.uuid();
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { maxLength });
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength, maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_STRINGS).filter(fits) },
  );
}

function numberValue(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lowest = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  const min = schema.exclusiveMinimum === true && !integer ? lowest + 1e-9 : lowest;
  const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
  const any = integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(any, fc.constantFrom(integer ? Math.ceil(min) : min, max));
}

/** Values `schema` accepts; `name` is the field's name, for the hint. */
export function schemaValue(schema: JsonSchema, hint: FieldHint, name = ""): fc.Arbitrary<unknown> {
  const known = name === "" ? undefined : hint(name);
  if (known) return known;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) return fc.oneof(...choices.map((s) => schemaValue(s, hint, name)));
  switch (schema.type) {
    case "string":
      return stringValue(schema);
    case "integer":
      return numberValue(schema, true);
    case "number":
      return numberValue(schema, false);
    case "boolean":
      return fc.boolean();
    case "array": {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? ARRAY_CAP, ARRAY_CAP));
      // Items of an id list are named by the list: `member_ids` holds member ids.
      const itemName = name.endsWith("s") ? name.slice(0, -1) : name;
      return fc.array(schemaValue(schema.items ?? {}, hint, itemName), { minLength, maxLength });
    }
    case "object": {
      const properties = schema.properties ?? {};
      const shape = Object.fromEntries(
        Object.entries(properties).map(([key, s]) => [key, schemaValue(s, hint, key)]),
      );
      return fc.record(shape, { requiredKeys: schema.required ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
