/**
 * The guarded outbound client against real HTTPS and TCP servers on loopback: the
 * address checks (literal addresses, names, a name whose answer changes between the
 * check and the connect), no redirects followed, deadlines and the answer size cap.
 */
import assert from "node:assert/strict";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { GuardedFetch, OutboundError } from "../../src/outbound/guarded-fetch.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();

async function refusedWith(promise: Promise<unknown>, reason: OutboundError["reason"]) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof OutboundError, String(err));
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

if (tls) {
  describe("guarded outbound client", () => {
    let server: Server;
    let port = 0;
    const hits: string[] = [];
    let silent: TcpServer;
    let silentPort = 0;
    const sockets = new Set<Socket>();

    before(async () => {
      server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        hits.push(req.url ?? "");
        if (req.url === "/redirect") {
          res.writeHead(302, { location: "https://127.0.0.1:1/elsewhere" }).end();
        } else if (req.url === "/big") {
          res.end(Buffer.alloc(100_000, 97));
        } else if (req.url === "/slow") {
          setTimeout(() => res.writeHead(201).end("ok"), 1_500);
        } else if (req.url === "/hang") {
          // Never answers.
        } else {
          res.writeHead(201).end("ok");
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
      // Accepts connections and never speaks TLS.
      silent = createTcpServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      silentPort = (silent.address() as { port: number }).port;
    });
    after(async () => {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => silent.close(resolve));
    });

    it("sends to a private address only when the operator allows it", async () => {
      const open = new GuardedFetch({ allowPrivate: true });
      const answer = await open.send(`https://127.0.0.1:${port}/ok`, { method: "POST", body: "x" });
      assert.equal(answer.status, 201);
      assert.equal(answer.body.toString(), "ok");
      open.close();

      const closed = new GuardedFetch({ allowPrivate: false });
      const before = hits.length;
      for (const url of [
        `https://127.0.0.1:${port}/`,
        `https://localhost:${port}/`,
        `https://[::1]:${port}/`,
        `https://[::ffff:127.0.0.1]:${port}/`,
        "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://224.0.0.1/",
        "https://0.0.0.0/",
      ]) {
        await refusedWith(closed.send(url, { method: "POST" }), "forbidden_address");
        await refusedWith(closed.checkUrl(url), "forbidden_address");
      }
      assert.equal(hits.length, before, "nothing reached the server");
      closed.close();
    });

    it("refuses plain http, credentials and what is not a URL", async () => {
      const guard = new GuardedFetch({ allowPrivate: true });
      await refusedWith(guard.send(`http://127.0.0.1:${port}/`, { method: "GET" }), "not_https");
      await refusedWith(guard.checkUrl("ftp://example.com/"), "not_https");
      await refusedWith(guard.checkUrl("https://user:pw@example.com/"), "invalid_url");
      await refusedWith(guard.checkUrl("not a url"), "invalid_url");
      guard.close();
    });

    it("checks the addresses a name has when it connects, not only before (DNS rebinding)", async () => {
      let calls = 0;
      const guard = new GuardedFetch({
        allowPrivate: false,
        // A public answer for the check, loopback for the connect.
        resolve: async () => {
          calls += 1;
          return calls === 1
            ? [{ address: "93.184.216.34", family: 4 }]
            : [{ address: "127.0.0.1", family: 4 }];
        },
      });
      await guard.checkUrl(`https://rebind.test:${port}/`);
      const before = hits.length;
      await refusedWith(
        guard.send(`https://rebind.test:${port}/`, { method: "POST" }),
        "forbidden_address",
      );
      assert.ok(calls >= 2, "the connect resolved the name again");
      assert.equal(hits.length, before);
      guard.close();
    });

    it("refuses a name with any private answer among public ones", async () => {
      const guard = new GuardedFetch({
        allowPrivate: false,
        resolve: async () => [
          { address: "93.184.216.34", family: 4 },
          { address: "::1", family: 6 },
        ],
      });
      await refusedWith(guard.checkUrl("https://mixed.test/"), "forbidden_address");
      guard.close();
    });

    it("never reaches this server's own address and port, even with private addresses allowed", async () => {
      const guard = new GuardedFetch({
        allowPrivate: true,
        self: { addresses: ["127.0.0.1"], port },
      });
      await refusedWith(
        guard.send(`https://127.0.0.1:${port}/`, { method: "GET" }),
        "forbidden_address",
      );
      await refusedWith(
        guard.send(`https://localhost:${port}/`, { method: "GET" }),
        "forbidden_address",
      );
      guard.close();
      const closed = new GuardedFetch({
        allowPrivate: false,
        self: { addresses: ["93.184.216.34"], port: 443 },
        resolve: async () => [{ address: "93.184.216.34", family: 4 }],
      });
      await refusedWith(closed.checkUrl("https://chat.example.test:8443/"), "forbidden_address");
      closed.close();
    });

    it("returns a redirect as it is, without following it", async () => {
      const guard = new GuardedFetch({ allowPrivate: true });
      const before = hits.length;
      const answer = await guard.send(`https://127.0.0.1:${port}/redirect`, { method: "POST" });
      assert.equal(answer.status, 302);
      assert.equal(hits.length, before + 1);
      guard.close();
    });

    it("gives up on an answer past its size limit", async () => {
      const guard = new GuardedFetch({ allowPrivate: true, maxResponseBytes: 1024 });
      await refusedWith(
        guard.send(`https://127.0.0.1:${port}/big`, { method: "GET" }),
        "too_large",
      );
      guard.close();
    });

    it("keeps a request that waits for a free connection from timing out while it waits", async () => {
      // More requests than connections to one origin: those beyond wait for a connection
      // longer than the connect deadline, which runs only once they have one.
      const guard = new GuardedFetch({
        allowPrivate: true,
        connectTimeoutMs: 1_000,
        totalTimeoutMs: 5_000,
      });
      const answers = await Promise.allSettled(
        Array.from({ length: 40 }, () =>
          guard.send(`https://127.0.0.1:${port}/slow`, { method: "POST", body: "x" }),
        ),
      );
      guard.close();
      const failed = answers.flatMap((a) => (a.status === "rejected" ? [String(a.reason)] : []));
      assert.deepEqual(failed, []);
    });

    it("costs one deadline for a server that never answers, or never finishes the handshake", async () => {
      const guard = new GuardedFetch({ allowPrivate: true, totalTimeoutMs: 300 });
      await refusedWith(
        guard.send(`https://127.0.0.1:${port}/hang`, { method: "POST" }),
        "timeout",
      );
      guard.close();
      const handshake = new GuardedFetch({
        allowPrivate: true,
        connectTimeoutMs: 300,
        totalTimeoutMs: 60_000,
      });
      await refusedWith(
        handshake.send(`https://127.0.0.1:${silentPort}/`, { method: "POST" }),
        "connect_timeout",
      );
      handshake.close();
    });
  });
}
