/**
 * Decoding what the server sends. Clients decode leniently: fields they do not know are
 * dropped, so an older client keeps working against a newer server. `strict` decoding
 * (for tests of the server) also fails when the decoded value differs from what was
 * sent: an unknown field, or a value the schema had to replace.
 */
import { z } from "zod/mini";

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface DecodeOptions {
  strict?: boolean;
}

export function decodeWith<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  options: DecodeOptions = {},
): Decoded<z.output<S>> {
  const parsed = z.safeParse(schema, input);
  if (!parsed.success) {
    const problem = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`)
      .join("; ");
    return { ok: false, problem };
  }
  if (options.strict) {
    const differences = differ(input, parsed.data, "");
    if (differences.length > 0) return { ok: false, problem: differences.join("; ") };
  }
  return { ok: true, value: parsed.data };
}

/** Where `decoded` differs from `sent`: the paths of dropped fields and replaced values. */
function differ(sent: unknown, decoded: unknown, path: string): string[] {
  const at = path || "value";
  if (typeof sent !== "object" || sent === null || typeof decoded !== "object" || decoded === null)
    return Object.is(sent, decoded)
      ? []
      : [`${at}: ${JSON.stringify(sent)} decoded as ${JSON.stringify(decoded)}`];
  if (Array.isArray(sent) !== Array.isArray(decoded)) return [`${at}: changed shape`];
  const problems: string[] = [];
  for (const key of Object.keys(sent)) {
    const child = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(decoded, key)) problems.push(`${child}: unknown field`);
    else
      problems.push(
        ...differ(
          (sent as Record<string, unknown>)[key],
          (decoded as Record<string, unknown>)[key],
          child,
        ),
      );
  }
  return problems;
}

/** JSON text to a value, or the reason it is not JSON. */
export function parseJson(text: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: "not JSON" };
  }
}
