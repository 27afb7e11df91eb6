/**
 * Attack: spell an API path another way (`/%61pi/v1/auth/register`, `/api/v1/me/`,
 * `//api/...`, dot segments, encoded slashes) so that a check made on the raw URL misses
 * it while the router still finds the endpoint. The REST rate limit must count every
 * spelling the router accepts against the same budget, and the operator endpoints must
 * answer only their own exact path.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import type { TestServer } from "../helpers/server.js";
import {
  API_VARIANTS,
  BUDGET,
  checkVariantIsLimited,
  leaksOperatorData,
  OPS_CASE_VARIANTS,
  OPS_VARIANTS,
  verbatim,
} from "./path-variants.js";

forEachEngine("security: other spellings of a path", { redis: true }, ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({
      server: { trust_proxy: ["127.0.0.1"] },
      rate_limit: { max_requests_per_minute: BUDGET },
    });
  });
  after(() => server.stop());

  const send = (path: string, options: Parameters<typeof verbatim>[2]) =>
    verbatim(server.url, path, options);

  API_VARIANTS.forEach((variant, index) => {
    it(`${variant.endpoint.method} ${variant.path} is ${variant.expect === "routed" ? "limited like" : "not routed to"} ${variant.endpoint.path}`, async () => {
      // Each case its own client address, so each starts with a full budget.
      const client = { headers: { "x-forwarded-for": `198.51.100.${index + 1}` } };
      await checkVariantIsLimited(send, variant, client);
    });
  });

  it("the operator endpoints answer their exact path, with or without a query", async () => {
    for (const path of ["/metrics", "/status", "/metrics?x=1", "/status?"]) {
      const res = await send(path, {});
      assert.equal(res.status, 200, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    for (const path of ["/metrics", "/status"]) {
      assert.equal((await send(path, { method: "HEAD" })).status, 200, `HEAD ${path}`);
    }
    // Load balancers may probe either spelling of /health; it tells nothing private.
    assert.equal((await send("/health/", {})).status, 200);
  });

  it("HEAD on another spelling of /metrics or /status is not answered either", async () => {
    for (const path of ["/metrics/", "/%73tatus", "/status/"]) {
      assert.equal((await send(path, { method: "HEAD" })).status, 404, `HEAD ${path}`);
    }
  });

  for (const path of [...OPS_VARIANTS, ...OPS_CASE_VARIANTS]) {
    it(`GET ${path} is not answered as an operator endpoint`, async () => {
      const res = await send(path, {});
      assert.ok(!leaksOperatorData(res), `${path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.status, 404, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.json?.error?.code, "not_found");
    });
  }
});
