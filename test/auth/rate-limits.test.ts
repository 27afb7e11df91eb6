import assert from "node:assert/strict";
import { it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";

forEachEngine("rate limits", { redis: true }, ({ start }) => {
  it("locks a username after max_auth_attempts failures, even for the right password", async () => {
    const server = await start({ rate_limit: { max_auth_attempts: 5 } });
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      for (let i = 0; i < 5; i++) {
        const res = await api.post("/api/v1/auth/login", {
          username: user.username,
          password: "wrong password",
        });
        assert.equal(res.status, 401);
      }
      const sixth = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: "wrong password",
      });
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.error.code, "too_many_auth_attempts");
      assert.ok(Number(sixth.headers.get("retry-after")) > 0);
      const right = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
      });
      assert.equal(right.status, 429);
      const metrics = await api.get("/metrics");
      assert.match(metrics.text, /chat_auth_failures_total\{reason="invalid_credentials"\} 5/);
    } finally {
      await server.stop();
    }
  });

  it("locks a client address that tries many usernames", async () => {
    const server = await start({ rate_limit: { max_auth_attempts: 3 } });
    try {
      const api = client(server.url);
      for (let i = 0; i < 3; i++) {
        await api.post("/api/v1/auth/login", {
          username: uniqueUsername(),
          password: "wrong password",
        });
      }
      const res = await api.post("/api/v1/auth/login", {
        username: uniqueUsername(),
        password: "whatever pw",
      });
      assert.equal(res.status, 429);
    } finally {
      await server.stop();
    }
  });

  it("limits REST requests per minute per address with 429, Retry-After and the error shape", async () => {
    const server = await start({ rate_limit: { max_requests_per_minute: 5 } });
    try {
      const api = client(server.url);
      for (let i = 0; i < 5; i++) assert.equal((await api.get("/api/v1/me")).status, 401);
      const limited = await api.get("/api/v1/me");
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, "rate_limited");
      assert.ok(Number(limited.headers.get("retry-after")) > 0);
      assert.equal((await api.get("/health")).status, 200, "/health is never rate limited");
      assert.equal((await api.get("/")).status, 200, "the web app is not counted");
      assert.match(
        (await api.get("/metrics")).text,
        /chat_rate_limit_rejections_total\{limit="rest"\} 1/,
      );
    } finally {
      await server.stop();
    }
  });

  it("takes the client address from X-Forwarded-For only behind a trusted proxy", async () => {
    const trusted = await start({
      server: { trust_proxy: ["127.0.0.1"] },
      rate_limit: { max_requests_per_minute: 2 },
    });
    try {
      const api = client(trusted.url);
      for (let i = 0; i < 2; i++)
        await api.get("/api/v1/me", { headers: { "x-forwarded-for": "203.0.113.7" } });
      const limited = await api.get("/api/v1/me", {
        headers: { "x-forwarded-for": "203.0.113.7" },
      });
      assert.equal(limited.status, 429);
      const other = await api.get("/api/v1/me", { headers: { "x-forwarded-for": "203.0.113.8" } });
      assert.equal(other.status, 401, "another client behind the proxy has its own budget");
    } finally {
      await trusted.stop();
    }
    const untrusted = await start({ rate_limit: { max_requests_per_minute: 2 } });
    try {
      const api = client(untrusted.url);
      for (let i = 0; i < 2; i++)
        await api.get("/api/v1/me", { headers: { "x-forwarded-for": `198.51.100.${i}` } });
      const spoofed = await api.get("/api/v1/me", {
        headers: { "x-forwarded-for": "198.51.100.99" },
      });
      assert.equal(spoofed.status, 429, "a forged header does not buy a new budget");
    } finally {
      await untrusted.stop();
    }
  });

  it("enabled = false turns both limits off", async () => {
    const server = await start({
      rate_limit: { enabled: false, max_requests_per_minute: 1, max_auth_attempts: 1 },
    });
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (
            await api.post("/api/v1/auth/login", {
              username: user.username,
              password: "bad password",
            })
          ).status,
          401,
        );
      }
      assert.equal(
        (await api.post("/api/v1/auth/login", { username: user.username, password: user.password }))
          .status,
        200,
      );
    } finally {
      await server.stop();
    }
  });
});
