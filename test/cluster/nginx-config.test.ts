import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCATIONS_CONF, NGINX } from "../helpers/cluster.js";

const SITE = fileURLToPath(new URL("../../deploy/nginx/chat-server.conf", import.meta.url));

it("the shipped nginx site passes nginx -t", () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  try {
    // Stand-ins for the Let's Encrypt files and the snippets directory the site names.
    const cert = join(dir, "fullchain.pem");
    const key = join(dir, "privkey.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=chat.example.com",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const site = readFileSync(SITE, "utf8")
      .replaceAll("/etc/letsencrypt/live/chat.example.com/fullchain.pem", cert)
      .replaceAll("/etc/letsencrypt/live/chat.example.com/privkey.pem", key)
      .replaceAll("/etc/nginx/snippets/chat-locations.conf", LOCATIONS_CONF);
    assert.match(site, /ip_hash;/);
    assert.match(site, /include .*chat-locations\.conf;/);
    writeFileSync(join(dir, "site.conf"), site);
    mkdirSync(join(dir, "logs"));
    writeFileSync(
      join(dir, "nginx.conf"),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`,
    );
    const result = spawnSync(NGINX, ["-t", "-c", join(dir, "nginx.conf"), "-p", dir], {
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /syntax is ok/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
