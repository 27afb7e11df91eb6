import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { client, request } from "../helpers/http.js";
import { checkAgainstContract } from "../helpers/openapi-contract.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { webAppRoutes } from "../security/authz-routes.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** The operations anyone may call without a token. */
const PUBLIC_OPERATIONS = [
  "getHealth",
  "getStatus",
  "getMetrics",
  "getServerInfo",
  "getOpenApiDocument",
  "register",
  "login",
  "passkeySignInOptions",
  "passkeySignIn",
  "oidcExchange",
  "oidcBackchannelLogout",
  "oidcDeviceStart",
  "oidcDevicePoll",
  // A webhook's URL: the secret in its path is the credential.
  "postWebhook",
].sort();

// A parsed JSON document, walked by key.
type Doc = any;

interface Operation {
  path: string;
  method: string;
  op: Doc;
}

function operationsOf(doc: Doc): Operation[] {
  return Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
  );
}

/** Every schema object under `value`, components included once through their refs. */
function objectSchemasIn(value: unknown, found: Doc[] = []): Doc[] {
  if (Array.isArray(value)) for (const v of value) objectSchemasIn(v, found);
  else if (value !== null && typeof value === "object") {
    const schema = value as Doc;
    if (schema.type === "object" && schema.properties) found.push(schema);
    for (const child of Object.values(schema)) objectSchemasIn(child, found);
  }
  return found;
}

describe("OpenAPI document", () => {
  let server: TestServer;
  let doc: Doc;
  before(async () => {
    server = await startTestServer();
    const res = await client(server.url).get("/api/v1/openapi.json");
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => server.stop());

  it("describes every REST route from the schemas the server validates with", () => {
    assert.match(doc.openapi, /^3\.1\./);
    const paths = Object.keys(doc.paths);
    for (const path of [
      "/api/v1/auth/register",
      "/api/v1/auth/login",
      "/api/v1/conversations",
      "/api/v1/conversations/{id}/messages",
      "/api/v1/messages/{id}/reactions/{emoji}",
      "/api/v1/sync",
      "/api/v1/admin/users",
      "/health",
    ]) {
      assert.ok(paths.includes(path), `${path} is documented`);
    }
    const register =
      doc.paths["/api/v1/auth/register"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(register.required, ["username", "password"]);
    assert.equal(
      register.additionalProperties,
      false,
      "unknown fields are refused, as the server does",
    );
    const history = doc.paths["/api/v1/conversations/{id}/messages"].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    assert.ok(history.includes("before") && history.includes("limit"));
  });

  it("tells clients an upload is a multipart body with one file", () => {
    const upload = doc.paths["/api/v1/conversations/{id}/attachments"].post;
    const form = upload.requestBody.content["multipart/form-data"].schema;
    assert.deepEqual(form.required, ["file"]);
    assert.equal(form.properties.file.format, "binary");
  });

  it("documents every route the server has, and none of the web app's files", () => {
    const operations = operationsOf(doc);
    const documented = operations.map(
      ({ path, method }) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`,
    );
    const web = webAppRoutes();
    const served = server.routes
      .filter(
        (r) =>
          r.method !== "HEAD" &&
          !web.has(`${r.method} ${r.url}`) &&
          r.url !== "/" &&
          // The web app's admin console: a redirect into the app, not an API.
          r.url !== "/admin" &&
          // Signing in through a provider: browser navigations between it and the app.
          !/^\/api\/v1\/auth\/oidc\/:provider\/(start|callback)$/.test(r.url),
      )
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual([...new Set(served)].sort(), documented.sort());
    assert.ok(
      operations.every(
        ({ path }) => path.startsWith("/api/v1/") || /^\/(health|status|metrics)$/.test(path),
      ),
      "only API and operations endpoints",
    );
    assert.deepEqual(doc.servers, [{ url: "/", description: "this server" }]);
    assert.equal(doc.info.license.name, "MIT");
  });

  it("gives every operation a summary, a unique id, tags and a schema for each success", () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operationsOf(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.summary, `${where} has a summary`);
      assert.ok(op.operationId && !ids.has(op.operationId), `${where} has a unique operationId`);
      ids.add(op.operationId);
      assert.ok(op.tags?.length > 0, `${where} has tags`);
      const successes = Object.keys(op.responses).filter((s) => /^[23]/.test(s));
      assert.ok(successes.length > 0, `${where} documents a success`);
      for (const status of successes) {
        const response = op.responses[status];
        if (status === "204" || status === "304") {
          assert.equal(response.content, undefined, `${where} ${status} has no body`);
          continue;
        }
        const media = Object.values(response.content ?? {}) as Doc[];
        assert.ok(media.length > 0, `${where} ${status} declares its content`);
        for (const m of media) assert.ok(m.schema, `${where} ${status} has a schema`);
      }
    }
  });

  it("answers every error with the one error schema, 400/401/403/404/429 where they apply", () => {
    for (const { path, method, op } of operationsOf(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      const errors = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
      for (const status of errors) {
        const schema = op.responses[status].content?.["application/json"]?.schema;
        const refs = JSON.stringify(schema ?? {});
        assert.ok(refs.includes("#/components/schemas/Error"), `${where} ${status} is an Error`);
      }
      assert.ok(errors.includes("400") && errors.includes("500"), `${where} documents 400, 500`);
      if (path.startsWith("/api/v1/") && path !== "/api/v1/openapi.json")
        assert.ok(errors.includes("429"), `${where} documents the rate limit`);
      if (op.security.length > 0)
        assert.ok(errors.includes("401") && errors.includes("403"), `${where} documents 401/403`);
      if (path.includes("{"))
        assert.ok(errors.includes("404"), `${where} documents 404 for a missing resource`);
    }
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    assert.ok(codes.includes("not_found") && codes.includes("rate_limited"));
  });

  it("keeps every response object closed to undocumented fields", () => {
    const responses = operationsOf(doc).map(({ op }) => op.responses);
    const schemas = objectSchemasIn([responses, doc.components.schemas]);
    assert.ok(schemas.length > 20);
    for (const schema of schemas) {
      assert.notEqual(
        schema.additionalProperties,
        undefined,
        `closed: ${Object.keys(schema.properties)}`,
      );
    }
  });

  it("marks exactly the public operations as needing no token, and the server agrees", async () => {
    const open: string[] = [];
    for (const { path, method, op } of operationsOf(doc)) {
      assert.ok(Array.isArray(op.security), `${method} ${path} states its security`);
      if (op.security.length === 0) open.push(op.operationId);
      else assert.deepEqual(op.security, [{ bearer: [] }]);
      // Called without a token, the server must answer as the document says.
      const url = path.replace(/\{[^}]+\}/g, "x");
      const res = await request(server.url, method.toUpperCase(), url, {
        ...(method === "get" || method === "delete" ? {} : { body: {} }),
      });
      if (op.security.length === 0) assert.notEqual(res.status, 401, `${method} ${path} is public`);
      else assert.equal(res.status, 401, `${method} ${path} needs a token`);
    }
    assert.deepEqual(open.sort(), PUBLIC_OPERATIONS);
  });

  it("passes redocly lint (recommended rules) with no errors or warnings", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openapi-lint-"));
    try {
      const file = join(dir, "openapi.json");
      await writeFile(file, JSON.stringify(doc));
      const { stdout } = await promisify(execFile)(
        join(ROOT, "node_modules/.bin/redocly"),
        ["lint", "--config", join(ROOT, "redocly.yaml"), "--format=json", file],
        {
          cwd: dir,
          // Nothing leaves the machine: no usage report, no update check.
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
          maxBuffer: 16 * 1024 * 1024,
        },
      ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
      const result = JSON.parse(stdout) as { totals: Doc; problems: Doc[] };
      const problems = result.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`);
      assert.deepEqual(problems, []);
      assert.equal(result.totals.errors, 0);
      assert.equal(result.totals.warnings, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the test client refuses responses the document does not describe", async () => {
    const url = new URL("/api/v1/me", server.url);
    const me = {
      user: {
        id: "u",
        username: "ann",
        display_name: "Ann",
        is_admin: false,
        is_bot: false,
        created_at: 1,
      },
    };
    const ok = { method: "GET", url, status: 200, contentType: "application/json" };
    await checkAgainstContract({ ...ok, text: JSON.stringify(me), body: me });
    const extra = { user: { ...me.user, password_hash: "x" } };
    await assert.rejects(
      checkAgainstContract({ ...ok, text: JSON.stringify(extra), body: extra }),
      /schema refuses/,
    );
    await assert.rejects(
      checkAgainstContract({ ...ok, status: 202, text: "{}", body: {} }),
      /does not document/,
    );
    await assert.rejects(
      checkAgainstContract({ ...ok, contentType: "text/html", text: "<p>", body: "<p>" }),
      /documented: application\/json/,
    );
  });
});
