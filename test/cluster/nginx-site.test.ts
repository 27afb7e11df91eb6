/**
 * Attack through the shipped nginx site, as a client on another machine would: reach
 * /metrics or /status by another spelling (`/metrics/`, `/%6detrics`, `//status`...), or
 * dodge the REST rate limit by spelling an API path another way. A real nginx runs
 * deploy/nginx/chat-server.conf as shipped; 127.0.0.1 is the proxy machine itself and
 * 127.0.0.2 and up are the outside world.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { type RunningSite, startShippedSite } from "../helpers/nginx-site.js";
import type { TestServer } from "../helpers/server.js";
import { verbatim } from "../helpers/verbatim.js";
import {
  API_VARIANTS,
  BUDGET,
  checkVariantIsLimited,
  leaksOperatorData,
  OPS_CASE_VARIANTS,
  OPS_VARIANTS,
} from "../security/path-variants.js";

const OUTSIDE = "127.0.0.2";

forEachEngine("the shipped nginx site", { redis: true }, ({ start }) => {
  let server: TestServer;
  let site: RunningSite;
  before(async () => {
    server = await start({
      server: { trust_proxy: ["127.0.0.1"] },
      rate_limit: { max_requests_per_minute: BUDGET },
    });
    site = await startShippedSite(Number(new URL(server.url).port));
  });
  after(async () => {
    await site?.stop();
    await server?.stop();
  });

  it("answers /metrics and /status to the proxy machine itself", async () => {
    for (const path of ["/metrics", "/status"]) {
      const res = await verbatim(site.url, path, { localAddress: "127.0.0.1" });
      assert.equal(res.status, 200, `${path}: ${res.status}`);
    }
  });

  it("sends each security header exactly once, from the server or (HSTS) nginx", async () => {
    const once = [
      "strict-transport-security",
      "x-frame-options",
      "x-content-type-options",
      "referrer-policy",
      "content-security-policy",
    ];
    for (const path of ["/", "/api/v1/me", "/health", "/api/v1/nothing-here"]) {
      const res = await verbatim(site.url, path, { localAddress: OUTSIDE });
      const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      for (const header of once) {
        const count = names.filter((name) => name === header).length;
        assert.equal(count, 1, `${path} (${res.status}): ${header} sent ${count} times`);
      }
    }
  });

  it("refuses /metrics and /status to another machine", async () => {
    for (const path of ["/metrics", "/status", "/metrics?x=1", "/status?"]) {
      const res = await verbatim(site.url, path, { localAddress: OUTSIDE });
      assert.equal(res.status, 403, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    // The rest of the site is open to it.
    const api = await verbatim(site.url, "/api/v1/me", { localAddress: OUTSIDE });
    assert.equal(api.status, 401, api.text);
  });

  // nginx refuses these itself, whatever the server behind it would answer.
  for (const path of OPS_VARIANTS) {
    it(`GET ${path} from another machine is refused by nginx`, async () => {
      const res = await verbatim(site.url, path, { localAddress: OUTSIDE });
      const answer = `${path}: ${res.status} ${res.text.slice(0, 200)}`;
      assert.ok(!leaksOperatorData(res), answer);
      // 403 from the deny rule, or 400 for a path nginx will not parse.
      assert.ok([400, 403].includes(res.status), answer);
    });
  }

  // Another letter case is another path to nginx and to the server alike.
  for (const path of OPS_CASE_VARIANTS) {
    it(`GET ${path} from another machine is unknown to the server`, async () => {
      const res = await verbatim(site.url, path, { localAddress: OUTSIDE });
      const answer = `${path}: ${res.status} ${res.text.slice(0, 200)}`;
      assert.ok(!leaksOperatorData(res), answer);
      assert.equal(res.status, 404, answer);
    });
  }

  API_VARIANTS.forEach((variant, index) => {
    it(`${variant.endpoint.method} ${variant.path} through nginx is ${variant.expect === "routed" ? "limited like" : "not routed to"} ${variant.endpoint.path}`, async () => {
      // Each case from its own address: nginx passes it on in X-Forwarded-For.
      const client = { localAddress: `127.0.2.${index + 1}` };
      await checkVariantIsLimited(
        (path, options) => verbatim(site.url, path, options),
        variant,
        client,
      );
    });
  });
});
