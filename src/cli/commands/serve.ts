/**
 * `chat-server [--config FILE]`: runs the server until SIGTERM, SIGINT or SIGUSR2 (what
 * `chat-server drain` sends), then drains and exits 0 within the configured shutdown
 * timeout. Draining: no new sockets (503), open ones finish the frames they sent and are
 * closed with 1001 and a reconnect hint, requests in progress finish.
 */

import { loadConfig } from "../../config/load.js";
import { createLogger } from "../../ops/logger.js";
import { startServer } from "../../server.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, configFlag);
  if (positionals.length > 0) throw new UsageError(`unknown command: ${positionals.join(" ")}`);
  const config = loadConfig({ file: values.config });
  const logger = createLogger(config.server.log_level);
  const server = await startServer(config, { logger, source: values.config ?? "(defaults)" });
  logger.info(
    { url: server.url, database: config.database.type, config: values.config ?? "(defaults)" },
    "chat-server listening",
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "draining and shutting down");
      const timer = setTimeout(() => {
        logger.error("shutdown took too long; exiting anyway");
        // Something still holds the event loop open; leave without waiting for it.
        process.exit(1);
      }, config.server.shutdown_timeout_seconds * 1000);
      timer.unref();
      server.close().then(
        () => {
          clearTimeout(timer);
          logger.info("stopped cleanly");
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          logger.error({ err }, "error while shutting down");
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGUSR2", () => stop("SIGUSR2"));
  });
}

export const serveCmd: Command = {
  name: "serve",
  usage: COMMAND_USAGE.serve,
  flags: configFlag,
  run: serveCommand,
};
