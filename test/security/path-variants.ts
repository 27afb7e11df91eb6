/**
 * Other spellings of an API path and of the operator endpoints: percent-encoded letters,
 * doubled and trailing slashes, dot segments, encoded slashes, case, `;` and `?` tricks.
 * The router decodes some of them and not others, and nginx normalises them once more
 * for its own matching, so anything decided from the raw URL can be walked around. The
 * REST rate limit and the operator endpoints are tested with every one, directly and
 * through the shipped nginx site.
 */
import assert from "node:assert/strict";
import { type VerbatimOptions, type VerbatimResponse, verbatim } from "../helpers/verbatim.js";

export interface Endpoint {
  method: string;
  path: string;
  body?: unknown;
}

/** Public and signed-in endpoints, each answered without a body or token before routing. */
export const REGISTER: Endpoint = { method: "POST", path: "/api/v1/auth/register", body: {} };
export const LOGIN: Endpoint = { method: "POST", path: "/api/v1/auth/login", body: {} };
export const ME: Endpoint = { method: "GET", path: "/api/v1/me" };
export const CONVERSATIONS: Endpoint = { method: "GET", path: "/api/v1/conversations" };

export interface ApiVariant {
  path: string;
  endpoint: Endpoint;
  /**
   * "routed": the router takes it for the endpoint, so it must share the endpoint's budget;
   * "unrouted": no route matches, so it answers 404 and reaches nothing.
   */
  expect: "routed" | "unrouted";
}

export const API_VARIANTS: readonly ApiVariant[] = [
  { path: "/%61pi/v1/auth/register", endpoint: REGISTER, expect: "routed" },
  { path: "/api/%761/auth/register", endpoint: REGISTER, expect: "routed" },
  { path: "/api/v1/auth/%72egister", endpoint: REGISTER, expect: "routed" },
  { path: "/%61%70%69/%76%31/%61%75%74%68/login", endpoint: LOGIN, expect: "routed" },
  { path: "/%61pi/v1/me/", endpoint: ME, expect: "routed" },
  { path: "/%61pi/v1/conversations", endpoint: CONVERSATIONS, expect: "routed" },
  { path: "/api/v1/auth/login/", endpoint: LOGIN, expect: "routed" },
  { path: "/api/v1/me?next=/api/", endpoint: ME, expect: "routed" },
  { path: "/%61pi/v1/me?x=1", endpoint: ME, expect: "routed" },
  { path: "//api/v1/auth/register", endpoint: REGISTER, expect: "unrouted" },
  { path: "//%61pi/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api//v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api/v1//auth/login", endpoint: LOGIN, expect: "unrouted" },
  { path: "/api/./v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/x/../api/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api/v1/auth/./register", endpoint: REGISTER, expect: "unrouted" },
  { path: "/api/v1/me/.", endpoint: ME, expect: "unrouted" },
  { path: "/api%2Fv1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api%2fv1%2fauth%2flogin", endpoint: LOGIN, expect: "unrouted" },
  { path: "/%2Fapi/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api/v1/me%2F", endpoint: ME, expect: "unrouted" },
  { path: "/%2561pi/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/API/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/%41PI/v1/me", endpoint: ME, expect: "unrouted" },
  { path: "/api/v1/me;x=1", endpoint: ME, expect: "unrouted" },
  { path: "/api/v1/me%3Fx=1", endpoint: ME, expect: "unrouted" },
];

/** The budget the rate-limit suites give each client address. */
export const BUDGET = 4;

type Send = (path: string, options: VerbatimOptions) => Promise<VerbatimResponse>;

function describeAnswer(res: VerbatimResponse): string {
  return `${res.status} ${res.text.slice(0, 200)}`;
}

/**
 * Sends the variant and its canonical path from one client (a budget of BUDGET), and
 * checks the variant is counted and refused exactly like the canonical path, or not
 * routed at all. `client` sets the address (an X-Forwarded-For header or a local address).
 */
export async function checkVariantIsLimited(
  send: Send,
  variant: ApiVariant,
  client: VerbatimOptions,
): Promise<void> {
  const { endpoint } = variant;
  const as = { ...client, method: endpoint.method, body: endpoint.body };
  const label = `${endpoint.method} ${variant.path}`;
  if (variant.expect === "unrouted") {
    for (let i = 0; i <= BUDGET; i++) {
      const res = await send(variant.path, as);
      assert.equal(res.status, 404, `${label}: ${describeAnswer(res)}`);
      assert.equal(res.json?.error?.code, "not_found", `${label}: ${describeAnswer(res)}`);
    }
    // It reached nothing, so it spent nothing.
    const canonical = await send(endpoint.path, as);
    assert.notEqual(canonical.status, 429, `${endpoint.path} after ${label}`);
    return;
  }
  // Half the budget on each spelling: each answer is the canonical one.
  const first = await send(endpoint.path, as);
  assert.notEqual(first.status, 429, describeAnswer(first));
  for (let i = 1; i < BUDGET; i++) {
    const path = i % 2 === 1 ? variant.path : endpoint.path;
    const res = await send(path, as);
    assert.equal(res.status, first.status, `${endpoint.method} ${path}: ${describeAnswer(res)}`);
  }
  for (const path of [variant.path, endpoint.path]) {
    const res = await send(path, as);
    assert.equal(res.status, 429, `${endpoint.method} ${path} over budget: ${describeAnswer(res)}`);
    assert.equal(res.json?.error?.code, "rate_limited", describeAnswer(res));
  }
}

/** Spellings of /metrics and /status other than the canonical one. */
export const OPS_VARIANTS: readonly string[] = [
  "/metrics/",
  "/status/",
  "/metrics/?x=1",
  "/%6detrics",
  "/%6Detrics",
  "/%73tatus",
  "/%73%74%61%74%75%73/",
  "/metrics%2F",
  "/status%2f",
  "//metrics",
  "//status/",
  "/./status",
  "/./metrics/",
  "/x/../metrics",
  "/x/../status/",
  "/metrics/.",
  "/metrics;x",
  "/status;",
  "/metrics%3Fx",
  "/%2Fmetrics",
  "/status//",
];

/** Spellings in other letter case: nginx and the router both match case-sensitively. */
export const OPS_CASE_VARIANTS: readonly string[] = ["/METRICS", "/Status", "/%4detrics"];

/** Whether an answer gives away what /metrics or /status hold. */
export function leaksOperatorData(res: VerbatimResponse): boolean {
  return (
    res.status === 200 ||
    res.text.includes("process_cpu") ||
    res.text.includes("chat_http_requests_total") ||
    res.text.includes("node_id") ||
    res.text.includes("memory_rss_bytes")
  );
}

export { verbatim };
