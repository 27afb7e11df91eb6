import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { NGINX } from "../helpers/cluster.js";
import { shippedSite } from "../helpers/nginx-site.js";

it("the shipped nginx site passes nginx -t", () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  try {
    // Stand-ins for the Let's Encrypt files and the snippets directory the site names.
    const site = shippedSite(dir);
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
