/**
 * The process logger: JSON lines on stdout at the configured level, with anything that
 * could hold a credential redacted.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['sec-websocket-protocol']",
  "headers.authorization",
  "password",
  "*.password",
  "token",
  "*.token",
  "ticket",
  "*.ticket",
  "jwt_secret",
  "*.jwt_secret",
  "encryption_key",
  "*.encryption_key",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
