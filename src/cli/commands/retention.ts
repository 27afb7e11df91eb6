/**
 * `chat-server retention run [--json]`: runs the retention sweep now (the server runs it
 * every hour by itself): erases every message older than its conversation keeps them,
 * then removes the files only those messages used. Connected clients hear of it at once
 * when the server shares events through [redis], else when they next sync.
 */

import { RuntimeSettings, settingsFromConfig } from "../../admin/runtime-settings.js";
import { collectBlobs } from "../../attachments/blob-lives.js";
import { createBlobStore } from "../../attachments/setup.js";
import { DomainEvents } from "../../events/bus.js";
import { RetentionSweeper } from "../../messages/retention.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

const flags = { ...configFlag, json: { description: "print the report as JSON" } } as const;

export async function retentionCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  if (positionals[0] !== "run" || positionals.length > 1)
    throw new UsageError("usage: chat-server retention run [--json] [--config FILE]");
  const report = await withStore(values.config, async (store, config) => {
    // The retention an admin set at run time wins over the file's, as in the server.
    const settings = new RuntimeSettings(store, settingsFromConfig(config));
    await settings.refresh();
    const sweeper = new RetentionSweeper({
      store,
      bus: new DomainEvents(),
      policy: settings.retention,
      eventDays: config.events.retention_days,
    });
    const swept = await sweeper.sweep();
    await collectBlobs(store, createBlobStore(config));
    return swept;
  });
  process.stdout.write(
    values.json
      ? `${JSON.stringify(report)}\n`
      : `erased ${report.messages} expired message(s) in ${report.conversations} conversation(s) and ${report.account_messages} message(s) of deleted accounts; removed ${report.events} event(s) from the event log, ${report.key_packages} expired key package(s) and ${report.history_shares} expired history share(s)\n`,
  );
  return 0;
}

export const retentionCmd: Command = {
  name: "retention",
  usage: COMMAND_USAGE.retention,
  flags,
  run: retentionCommand,
};
