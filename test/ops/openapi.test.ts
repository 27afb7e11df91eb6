import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("OpenAPI document", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it("describes every REST route from the schemas the server validates with", async () => {
    const res = await client(server.url).get("/api/v1/openapi.json");
    assert.equal(res.status, 200);
    assert.match(res.body.openapi, /^3\./);
    const paths = Object.keys(res.body.paths);
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
      res.body.paths["/api/v1/auth/register"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(register.required, ["username", "password"]);
    assert.equal(
      register.additionalProperties,
      false,
      "unknown fields are refused, as the server does",
    );
    const history = res.body.paths["/api/v1/conversations/{id}/messages"].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    assert.ok(history.includes("before") && history.includes("limit"));
  });

  it("tells clients an upload is a multipart body with one file", async () => {
    const res = await client(server.url).get("/api/v1/openapi.json");
    const upload = res.body.paths["/api/v1/conversations/{id}/attachments"].post;
    const form = upload.requestBody.content["multipart/form-data"].schema;
    assert.deepEqual(form.required, ["file"]);
    assert.equal(form.properties.file.format, "binary");
  });
});
