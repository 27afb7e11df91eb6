/**
 * Checks real responses against the OpenAPI document the server serves: the status must
 * be documented for the operation, and the body must match its schema (objects closed to
 * undocumented fields). The shared HTTP client runs every response through it, so the
 * whole API suite tests the document, not a sample. With CHAT_TEST_OPENAPI_REPORT set to
 * a file, each test process appends how many responses it checked.
 */
import { AssertionError } from "node:assert";
import { appendFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;

interface MediaCheck {
  /** e.g. application/json, image/webp, text/plain or the range * / *. */
  range: string;
  /** Compiled on first use: most servers of a test see only a few operations. */
  validate?: () => ValidateFunction;
}

interface OperationContract {
  pattern: RegExp;
  params: number;
  method: string;
  template: string;
  responses: Map<string, MediaCheck[]>;
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

/** Objects without a word on extra fields get `additionalProperties: false`. */
function closeObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closeObjects);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) out[key] = closeObjects(child);
  if (out.type === "object" && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
}

function lazily<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

function compile(document: Json): OperationContract[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addFormat("binary", true);
  const closed = closeObjects(document) as Json;
  ajv.addSchema(closed, "openapi.json");
  const operations: OperationContract[] = [];
  for (const [template, item] of Object.entries(closed.paths as Record<string, Json>)) {
    const names: string[] = [];
    const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, n) => {
      names.push(n);
      return "([^/]+)";
    });
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const responses = new Map<string, MediaCheck[]>();
      for (const [status, response] of Object.entries(
        operation.responses as Record<string, Json>,
      )) {
        const content = (response.content ?? {}) as Record<string, Json>;
        responses.set(
          status,
          Object.entries(content).map(([range, media]) => ({
            range,
            ...(media.schema && range.includes("json")
              ? {
                  validate: lazily(() =>
                    ajv.compile({
                      $ref: `openapi.json#/${pointer("paths", template, method, "responses", status, "content", range, "schema")}`,
                    }),
                  ),
                }
              : {}),
          })),
        );
      }
      operations.push({
        pattern: new RegExp(`^${source}/?$`),
        params: names.length,
        method: method.toUpperCase(),
        template,
        responses,
      });
    }
  }
  // A literal path wins over a template that also matches it (/users/me before /users/{id}).
  return operations.sort((a, b) => a.params - b.params);
}

const contracts = new Map<string, Promise<OperationContract[] | undefined>>();
/** Servers of one run serve the same document: compiled once per distinct text. */
const compiled = new Map<string, OperationContract[]>();

async function contractOf(baseUrl: string): Promise<OperationContract[] | undefined> {
  const origin = new URL(baseUrl).origin;
  let contract = contracts.get(origin);
  if (!contract) {
    contract = (async () => {
      const response = await fetch(new URL("/api/v1/openapi.json", origin));
      if (response.status !== 200) return undefined;
      const text = await response.text();
      let operations = compiled.get(text);
      if (!operations) {
        operations = compile(JSON.parse(text) as Json);
        compiled.set(text, operations);
      }
      return operations;
    })();
    contracts.set(origin, contract);
    // A server that could not answer (restarting, gone) is asked again next time.
    contract.then(
      (c) => c ?? contracts.delete(origin),
      () => contracts.delete(origin),
    );
  }
  return contract.catch(() => undefined);
}

/**
 * Starts fetching the document of the server at `baseUrl`, so that it arrives while the
 * request to check is on its way rather than after it (tests with short-lived tokens).
 */
export function prepareContract(baseUrl: string | URL): void {
  void contractOf(String(baseUrl));
}

function mediaMatches(range: string, mediaType: string): boolean {
  if (range === "*/*") return true;
  const [type, subtype] = range.split("/");
  const [actualType, actualSubtype] = mediaType.split("/");
  return type === actualType && (subtype === "*" || subtype === actualSubtype);
}

export interface ObservedResponse {
  method: string;
  url: URL;
  status: number;
  contentType: string | null;
  text: string;
  body: unknown;
}

let checked = 0;
let unchecked = 0;

const report = process.env.CHAT_TEST_OPENAPI_REPORT;
if (report) {
  process.on("exit", () => {
    appendFileSync(report, `${process.argv.at(-1)} checked=${checked} unchecked=${unchecked}\n`);
  });
}

/** Throws an AssertionError when `observed` breaks the server's OpenAPI document. */
export async function checkAgainstContract(observed: ObservedResponse): Promise<void> {
  const operations = await contractOf(observed.url.href);
  const path = observed.url.pathname;
  const operation = operations?.find(
    (op) => op.method === observed.method && op.pattern.test(path),
  );
  if (!operation) {
    // Not an operation of the API (an unknown path, the web app) or no document to hand.
    unchecked++;
    return;
  }
  const where = `${observed.method} ${path} (${operation.template})`;
  const media = operation.responses.get(String(observed.status));
  if (!media) {
    throw new AssertionError({
      message: `${where} answered ${observed.status}, which its OpenAPI operation does not document: ${observed.text.slice(0, 300)}`,
    });
  }
  checked++;
  if (media.length === 0) {
    if (observed.text !== "") {
      throw new AssertionError({
        message: `${where} answered ${observed.status} with a body; the document says it has none`,
      });
    }
    return;
  }
  const mediaType = (observed.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const match = media.find((m) => mediaMatches(m.range, mediaType));
  if (!match) {
    throw new AssertionError({
      message: `${where} answered ${observed.status} as ${mediaType}; documented: ${media.map((m) => m.range).join(", ")}`,
    });
  }
  const validate = match.validate?.();
  if (validate && !validate(observed.body)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
      .join("; ");
    throw new AssertionError({
      message: `${where} answered ${observed.status} with a body its OpenAPI schema refuses: ${problems}\n${observed.text.slice(0, 500)}`,
    });
  }
}

/** The way `observed` breaks the document, or undefined: for runners that collect problems. */
export async function contractProblem(observed: ObservedResponse): Promise<string | undefined> {
  try {
    await checkAgainstContract(observed);
    return undefined;
  } catch (err) {
    if (err instanceof AssertionError) return err.message;
    throw err;
  }
}
