/**
 * How the authorisation matrix calls a route and judges the answer: the refusal each
 * attacker must get, and the secrets that must not be in it.
 */
import { type Response, request } from "../helpers/http.js";
import { checkAgainstContract } from "../helpers/openapi-contract.js";
import type { RouteCase } from "./authz-routes.js";
import {
  type Attacker,
  freshToken,
  secretsFor,
  uploadForm,
  userOf,
  type World,
} from "./authz-world.js";

export interface Refusal {
  status: number;
  code: string;
}

/** The refusal an attacker must get, or undefined when the route is theirs to use. */
export function expectedRefusal(route: RouteCase, attacker: Attacker): Refusal | undefined {
  if (attacker === "anonymous") return { status: 401, code: "unauthorized" };
  // Disabling an account through the admin API ends its sessions too.
  if (attacker === "revoked" || attacker === "disabled")
    return { status: 401, code: "session_revoked" };
  if (route.scope === "admin") return { status: 403, code: "forbidden" };
  if (route.scope === "self") return undefined;
  return { status: 404, code: "not_found" };
}

/** Secrets found in `text`, leaving out what the caller sent itself. */
export function leaks(text: string, secrets: string[], sent: string): string[] {
  return secrets.filter((s) => !sent.includes(s) && text.includes(s));
}

export function routeSecrets(world: World, route: RouteCase, attacker: Attacker): string[] {
  let secrets = secretsFor(world, attacker);
  const former = attacker === "removed" || attacker === "left";
  if (former && route.showsOwnDeparture) secrets = secrets.filter((s) => s !== world.group);
  if (route.directory) {
    const names = new Set(
      [world.owner, world.member, world.removed, world.left, world.revoked, world.latecomer].map(
        (u) => u.username,
      ),
    );
    secrets = secrets.filter((s) => !names.has(s));
  }
  return secrets;
}

export async function sendForm(
  baseUrl: string,
  path: string,
  file: { name: string; content: string },
  token: string | undefined,
): Promise<Response> {
  const url = new URL(`${baseUrl}${path}`);
  const res = await fetch(url, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: uploadForm(file.name, file.content),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const contentType = res.headers.get("content-type");
  await checkAgainstContract({ method: "POST", url, status: res.status, contentType, text, body });
  return { status: res.status, body, headers: res.headers, text };
}

/** Calls a route as `attacker` would (or with `asToken` instead of the attacker's token). */
export async function callRoute(
  world: World,
  key: string,
  route: RouteCase,
  attacker: Attacker,
  asToken?: string,
) {
  const [method, pattern] = key.split(" ") as [string, string];
  const call = route.call(world, attacker);
  const token =
    asToken ??
    (route.endsSession ? await freshToken(world, attacker) : userOf(world, attacker)?.token);
  const response = call.file
    ? await sendForm(world.server.url, call.path, call.file, token)
    : await request(world.server.url, method, call.path, {
        ...(token ? { token } : {}),
        ...(call.body !== undefined ? { body: call.body } : {}),
      });
  return { method, pattern, call, response };
}
