/**
 * Outgoing integrations: a bot's event subscriptions (the server POSTs the events of the
 * bot's conversations to an HTTPS URL) and slash commands (a member's `/name text` is
 * POSTed to the bot's URL and its answer shown). Every request the server makes is signed:
 * `X-Chat-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with the
 * timestamp (seconds) in `X-Chat-Timestamp`. A secret is shown once, when it is made.
 */
import { z } from "zod/mini";
import { messageView } from "./chat.js";
import { userView } from "./rest.js";

/** Events a subscription may ask for: conversation events of the bot's conversations, and `mention` (the bot was mentioned). */
export const SUBSCRIBABLE_EVENTS = [
  "message.new",
  "message.updated",
  "message.deleted",
  "reaction",
  "message.pinned",
  "message.unpinned",
  "member.joined",
  "member.left",
  "conversation.updated",
  "mention",
] as const;
export const subscribableEvent = z.enum(SUBSCRIBABLE_EVENTS);
export type SubscribableEvent = z.infer<typeof subscribableEvent>;

/** Every signing secret starts with this, so that secret scanners can recognise one. */
export const SIGNING_SECRET_PREFIX = "pcs_";
export const SIGNATURE_HEADER = "x-chat-signature";
export const TIMESTAMP_HEADER = "x-chat-timestamp";
export const EVENT_ID_HEADER = "x-chat-event-id";
export const OUTGOING_URL_MAX = 2048;

const httpsUrl = z.string().check(z.minLength(1), z.maxLength(OUTGOING_URL_MAX));

export const createSubscriptionBody = z.strictObject({
  url: httpsUrl,
  events: z.array(subscribableEvent).check(z.minLength(1), z.maxLength(SUBSCRIBABLE_EVENTS.length)),
});
export type CreateSubscriptionBody = z.infer<typeof createSubscriptionBody>;

export const subscriptionView = z
  .object({
    id: z.string(),
    bot_id: z.string(),
    url: z.string(),
    events: z.array(subscribableEvent),
    created_at: z.number(),
    /** Deliveries waiting, the first of them being tried when `retry_at` is set. */
    queued: z.number(),
    attempts: z.number(),
    retry_at: z.nullable(z.number()),
    last_attempt_at: z.nullable(z.number()),
    last_success_at: z.nullable(z.number()),
    /** The receiver's HTTP status at the last attempt; null when it gave none. */
    last_status: z.nullable(z.number()),
    last_error: z.nullable(z.string()),
    /** Deliveries given up (after 24 hours of failures) or refused (a full queue). */
    dropped: z.number(),
  })
  .register(z.globalRegistry, { id: "EventSubscription" });
export type SubscriptionView = z.infer<typeof subscriptionView>;

export const createdSubscriptionResponse = z.object({
  subscription: subscriptionView,
  secret: z.string(),
});
export type CreatedSubscriptionResponse = z.infer<typeof createdSubscriptionResponse>;

export const subscriptionsResponse = z.object({ subscriptions: z.array(subscriptionView) });
export type SubscriptionsResponse = z.infer<typeof subscriptionsResponse>;

/** What each delivery POSTs: the event as members' clients see it, in an envelope. */
export const eventDelivery = z.object({
  /** The same at every retry: a receiver de-duplicates on it. */
  id: z.string(),
  type: subscribableEvent,
  created_at: z.number(),
  subscription_id: z.string(),
  bot_id: z.string(),
  conversation_id: z.string(),
  event: z.record(z.string(), z.unknown()),
  /** For `mention`: the message the bot was mentioned in. */
  message: z.optional(messageView),
});
export type EventDelivery = z.infer<typeof eventDelivery>;

export const COMMAND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const commandName = z.string().check(z.regex(COMMAND_NAME));

export const createCommandBody = z.strictObject({
  /** Without the slash: `deploy` for `/deploy`. */
  name: commandName,
  url: httpsUrl,
  description: z.optional(z.string().check(z.maxLength(200))),
  /** What follows the name, e.g. `<environment>`. */
  usage: z.optional(z.string().check(z.maxLength(100))),
});
export type CreateCommandBody = z.infer<typeof createCommandBody>;

export const commandView = z
  .object({
    id: z.string(),
    bot_id: z.string(),
    name: z.string(),
    url: z.string(),
    description: z.string(),
    usage: z.string(),
    created_at: z.number(),
  })
  .register(z.globalRegistry, { id: "SlashCommand" });
export type CommandView = z.infer<typeof commandView>;

export const createdCommandResponse = z.object({ command: commandView, secret: z.string() });
export type CreatedCommandResponse = z.infer<typeof createdCommandResponse>;

export const commandsResponse = z.object({ commands: z.array(commandView) });
export type CommandsResponse = z.infer<typeof commandsResponse>;

/** A command as a member of a conversation sees it: no URL. */
export const availableCommand = z.object({
  name: z.string(),
  description: z.string(),
  usage: z.string(),
  bot: userView,
});
export type AvailableCommand = z.infer<typeof availableCommand>;

export const availableCommandsResponse = z.object({ commands: z.array(availableCommand) });
export type AvailableCommandsResponse = z.infer<typeof availableCommandsResponse>;

export const COMMAND_TEXT_MAX = 4000;

export const runCommandBody = z.strictObject({
  name: commandName,
  text: z.optional(z.string().check(z.maxLength(COMMAND_TEXT_MAX))),
});
export type RunCommandBody = z.infer<typeof runCommandBody>;

/** What the server POSTs to a command's URL. */
export const commandRequest = z.object({
  id: z.string(),
  command: z.string(),
  text: z.string(),
  conversation_id: z.string(),
  user: userView,
  created_at: z.number(),
});
export type CommandRequest = z.infer<typeof commandRequest>;

/** What a command's URL answers (Slack's `response_type` is understood too). */
export const commandAnswer = z.looseObject({
  text: z.string().check(z.maxLength(20_000)),
  visibility: z.optional(z.enum(["ephemeral", "conversation"])),
  response_type: z.optional(z.enum(["ephemeral", "in_channel"])),
});
export type CommandAnswer = z.infer<typeof commandAnswer>;

export const runCommandResponse = z
  .object({
    /** `answered`: the bot's text is here (ephemeral) or posted (conversation). */
    outcome: z.enum(["answered", "no_answer"]),
    visibility: z.enum(["ephemeral", "conversation"]),
    text: z.string(),
    bot: userView,
    /** The message the answer was posted as, for `conversation`. */
    message: z.optional(messageView),
  })
  .register(z.globalRegistry, { id: "CommandResult" });
export type RunCommandResponse = z.infer<typeof runCommandResponse>;

const pathId = z.string().check(z.minLength(1), z.maxLength(64));
export const botSubscriptionParams = z.strictObject({ id: pathId, subscriptionId: pathId });
export const botCommandParams = z.strictObject({ id: pathId, commandId: pathId });
