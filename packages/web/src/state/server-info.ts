/**
 * GET /api/v1/server, asked once per page load (a failure is asked again next time):
 * limits and policies several parts of the app show.
 */
import type { ServerInfo } from "@private-chat/sdk";
import { api } from "../api.js";

let info: Promise<ServerInfo> | undefined;

export function serverInfo(): Promise<ServerInfo> {
  info ??= api.serverInfo().catch((err: unknown) => {
    info = undefined;
    throw err;
  });
  return info;
}
