/**
 * Factories: make the users (and later conversations) a test needs through the real API.
 */
import { randomBytes } from "node:crypto";
import { request } from "./http.js";

export interface TestUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

/**
 * Every password the factories make starts with this, so the run's log audit
 * (scripts/audit-test-logs.ts) can spot one that reached a log.
 */
export const TEST_PASSWORD_PREFIX = "pw-test-";
export const DEFAULT_TEST_PASSWORD = `${TEST_PASSWORD_PREFIX}correct horse battery`;

let counter = 0;

export function uniqueUsername(prefix = "user"): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(3).toString("hex")}`;
}

export async function createUser(
  baseUrl: string,
  options: { username?: string; password?: string; invite_code?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueUsername();
  const password = options.password ?? DEFAULT_TEST_PASSWORD;
  const body: Record<string, string> = { username, password };
  if (options.invite_code) body.invite_code = options.invite_code;
  const response = await request(baseUrl, "POST", "/api/v1/auth/register", { body });
  if (response.status !== 201) {
    throw new Error(`register ${username} failed: ${response.status} ${response.text}`);
  }
  return { id: response.body.user.id, username, password, token: response.body.token };
}
