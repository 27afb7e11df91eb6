/**
 * The shipped nginx site (deploy/nginx/chat-server.conf with its chat-locations.conf),
 * made runnable on loopback: a throwaway certificate in place of Let's Encrypt's, free
 * ports in place of 80 and 443, and a test server as the upstream. Everything else is the
 * file as shipped, so what the deployment guide installs is what the tests attack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../bench/lib/free-port.js";
import { makeCertificate } from "./certificate.js";
import { finished } from "./cli.js";
import { LOCATIONS_CONF, NGINX } from "./cluster.js";
import { verbatim } from "./verbatim.js";

export const SITE_CONF = fileURLToPath(
  new URL("../../deploy/nginx/chat-server.conf", import.meta.url),
);

/** Replaces `from` (which must be in `text`) with `to`, so a changed site fails loudly. */
function replaceShipped(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the shipped nginx site no longer has: ${from}`);
  return text.replaceAll(from, to);
}

export interface SitePorts {
  http: number;
  https: number;
  upstream: number;
}

/**
 * The shipped site with its certificate and snippet paths pointed into `dir`; with
 * `ports`, also listening on loopback only and proxying to a test server.
 */
export function shippedSite(dir: string, ports?: SitePorts): string {
  const { cert, key } = makeCertificate(dir, {
    name: "chat.example.com",
    certFile: "fullchain.pem",
    keyFile: "privkey.pem",
  });
  let site = readFileSync(SITE_CONF, "utf8");
  site = replaceShipped(site, "/etc/letsencrypt/live/chat.example.com/fullchain.pem", cert);
  site = replaceShipped(site, "/etc/letsencrypt/live/chat.example.com/privkey.pem", key);
  site = replaceShipped(site, "/etc/nginx/snippets/chat-locations.conf", LOCATIONS_CONF);
  if (ports) {
    site = replaceShipped(site, "server 127.0.0.1:8080;", `server 127.0.0.1:${ports.upstream};`);
    site = replaceShipped(site, "listen 80;", `listen 127.0.0.1:${ports.http};`);
    site = replaceShipped(site, "listen [::]:80;", "");
    site = replaceShipped(
      site,
      "listen 443 ssl http2;",
      `listen 127.0.0.1:${ports.https} ssl http2;`,
    );
    site = replaceShipped(site, "listen [::]:443 ssl http2;", "");
  }
  return site;
}

/** A main nginx.conf around a site, with every path nginx writes kept inside `dir`. */
export function mainConfig(dir: string, siteFile: string): string {
  return `user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${siteFile};
}
`;
}

export interface RunningSite {
  /** https://127.0.0.1:<port>, the site's TLS server. */
  url: string;
  stop(): Promise<void>;
}

/** Runs the shipped site in a real nginx in front of the server on `upstreamPort`. */
export async function startShippedSite(upstreamPort: number): Promise<RunningSite> {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-site-"));
  let nginx: ChildProcess | undefined;
  let log = "";
  const stop = async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill("SIGTERM");
      await finished(nginx).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = { http: await freePort(), https: await freePort(), upstream: upstreamPort };
    for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, sub));
    const siteFile = join(dir, "site.conf");
    writeFileSync(siteFile, shippedSite(dir, ports));
    const conf = join(dir, "nginx.conf");
    writeFileSync(conf, mainConfig(dir, siteFile));
    nginx = spawn(NGINX, ["-c", conf, "-p", dir, "-g", "daemon off;"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    nginx.stderr?.on("data", (chunk) => {
      log += chunk;
    });
    const url = `https://127.0.0.1:${ports.https}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await verbatim(url, "/health").catch(() => undefined);
      if (up?.status === 200) break;
      if (nginx.exitCode !== null) throw new Error(`nginx exited:\n${log}`);
      if (Date.now() > deadline) throw new Error(`nginx did not come up:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
