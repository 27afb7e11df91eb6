/**
 * chat-client --help: every command with its options (args.ts's COMMANDS; args.test.ts
 * checks that each is here), then what the commands share.
 */
export const HELP = `chat-client: the terminal client of Private Chat

Usage:
  chat-client                     interactive mode (on a terminal): list conversations,
                                  /open one, type to send; /help inside for more
  chat-client login --server URL [--username NAME] [--password-file FILE] [--code CODE]
                   [--provider ID]
                                  sign in and save the session; asks for what is missing
                                  (when stdin is piped: username, then password, then the
                                  second factor's code, one a line); --code: a code from
                                  the authenticator app, or a recovery code; --provider:
                                  sign in through the server's OpenID Connect provider
                                  ID instead (open the printed address, paste the code)
  chat-client register --server URL [--username NAME] [--password-file FILE]
                       [--invite-code CODE] [--display-name NAME]
                                  create an account and save the session
  chat-client logout              end the session on the server and delete it here
  chat-client whoami [--json]     show the saved user and server
  chat-client conversations [--json]
                                  one line per conversation: short id, type, name,
                                  unread count, last message (--json: the raw array);
                                  encrypted ones are marked [encrypted], message
                                  requests [request], [request sent] or [declined]
  chat-client requests [--json]   the message requests waiting for your answer, then
                                  the declined ones
  chat-client accept <conversation> [--json]
                                  accept a message request (or a declined one)
  chat-client decline <conversation> [--json]
                                  decline a message request
  chat-client block <username> [--json]
                                  block a person: no direct chats or group adds from
                                  them; their group messages are hidden here
  chat-client unblock <username>  unblock a person
  chat-client blocked [--json]    the people you blocked
  chat-client mute <conversation> [--for DURATION] [--json]
                                  push no notifications of it on any device, for a
                                  while (--for 30m, 8h, 2d) or until unmuted
  chat-client unmute <conversation> [--json]
                                  notify of it again
  chat-client notify <conversation> all|mentions|none [--json]
                                  what of it notifies: every message, only those
                                  that @mention you, or nothing (a mention notifies
                                  unless it is none or muted)
  chat-client dnd [--json]        show your do-not-disturb hours
  chat-client dnd START END [--zone ZONE] [--json]
                                  push nothing to any device from START to END
                                  (HH:MM, every day; 22:00 07:00 spans the night;
                                  equal times mean all day) in ZONE, an IANA time
                                  zone such as Europe/Berlin (default: this
                                  machine's zone)
  chat-client dnd off [--json]    turn do not disturb off
  chat-client send <conversation> <text...> [--attach FILE]... [--json]
                  [--thread MESSAGE [--also-to-conversation]] [--encrypted]
                                  send a message (text "-" reads it from stdin; put
                                  "--" before text that starts with "-"); each
                                  --attach uploads a file and sends it with the text
                                  (sealed on this device in an encrypted one);
                                  --thread replies in the thread of MESSAGE (its id,
                                  or its tag as tail prints it), and
                                  --also-to-conversation shows the reply there too
  chat-client tail <conversation> [--history N] [--thread MESSAGE] [--json]
                  [--encrypted]
                                  print the last N messages (default 20), then follow
                                  new ones until Ctrl-C (--json: one event per line);
                                  group messages of people you blocked show as a
                                  "hidden" line (--json leaves them in); a reply in a
                                  thread alone shows as a note; --thread follows the
                                  replies of MESSAGE's thread instead
  chat-client dm <username> [--encrypted] [--json]
                                  start a direct chat with a person, or open the one
                                  there is, and print it; with someone who shares no
                                  conversation with you it is a message request;
                                  --encrypted: the end-to-end encrypted direct chat,
                                  another chat than the plain one (in send and tail,
                                  --encrypted makes @username name it too)
  chat-client group create <title> [<username>...] [--encrypted] [--json]
                                  create a group with those people; --encrypted: end-
                                  to-end encrypted (at most 200 people, no bots)
  chat-client members <conversation> [--json]
                                  list its members and their roles
  chat-client members add <conversation> <username>... [--json]
  chat-client members remove <conversation> <username>... [--json]
                                  add people to a group, or remove them (yourself:
                                  leave it)
  chat-client search <query...> [--in <conversation>] [--json]
                                  messages matching the query, most relevant first:
                                  message id, time, conversation, sender, excerpt
  chat-client edit <message-id> <text...> [--json]
                                  replace the text of one of your messages
  chat-client delete <message-id> [--json]
                                  delete a message
  chat-client react <message-id> <emoji> [--remove] [--json]
                                  add your reaction to a message, or remove it
  chat-client read <conversation> [--json]
                                  mark it read up to its newest message
  chat-client download <attachment-id> [--out PATH] [--force] [--json]
                                  save a file: to PATH, or to this directory under
                                  its own name made safe; an existing file is kept
                                  unless --force; an encrypted conversation's file
                                  is opened on this device first
  chat-client token create <name> --scope SCOPE... [--expires-in-days N] [--json]
                                  make a personal access token (pct_...) and print
                                  it, this once; SCOPE is messages:read,
                                  messages:write, conversations:read,
                                  conversations:write, files:write or admin
  chat-client token list [--json] your tokens: id, name, scopes, last use, expiry
  chat-client token revoke <id> [--json]
                                  revoke a token; its sockets close
  chat-client bot create <username> [--display-name NAME] [--scope SCOPE]... [--json]
                                  make a bot and print its first token, this once
  chat-client bot list [--json]   your bots
  chat-client bot tokens <bot> [--json]
                                  a bot's tokens
  chat-client bot delete <bot> [--json]
                                  delete a bot; its tokens stop
  chat-client bot subscribe <bot> <url> <event>... [--json]
                                  POST the events of the bot's conversations to an
                                  https URL, and print the signing secret, this
                                  once; <event> is message.new, message.updated,
                                  message.deleted, reaction, message.pinned,
                                  message.unpinned, member.joined, member.left,
                                  conversation.updated or mention
  chat-client bot subscriptions <bot> [--json]
                                  a bot's subscriptions: id, URL, events, deliveries
                                  queued, last status or error
  chat-client bot unsubscribe <bot> <subscription-id> [--json]
                                  delete a subscription and what it had queued
  chat-client bot command add <bot> <name> <url> [--description TEXT] [--usage TEXT]
                              [--json]
                                  register /name for a bot: running it POSTs to the
                                  https URL; prints the signing secret, this once
  chat-client bot command list <bot> [--json]
                                  a bot's commands: id, /name, URL, description
  chat-client bot command remove <bot> <name-or-id> [--json]
                                  delete a command
  chat-client commands <conversation> [--json]
                                  the slash commands of the bots in a conversation
  chat-client run <conversation> /name [text...] [--json]
                                  run a bot's slash command and print its answer
                                  (exit status 3 when the bot did not answer)
  chat-client 2fa [--json]        your second factors: authenticator app, recovery
                                  codes left, passkeys, and whether the server
                                  requires one
  chat-client 2fa setup [--password-file FILE] [--json]
                                  set up an authenticator app: shows its secret and
                                  otpauth:// address, asks for a code it shows, prints the
                                  recovery codes, this once
  chat-client 2fa remove [--password-file FILE]
                                  remove the authenticator app
  chat-client 2fa recovery-codes [--password-file FILE] [--json]
                                  replace the recovery codes and print the new ones
  chat-client hook create <conversation> <name...> [--json]
                                  make an incoming webhook for a group and print
                                  its URL, this once
  chat-client hook list <conversation> [--json]
                                  the group's webhooks
  chat-client hook delete <hook-id> [--json]
                                  delete a webhook; its URL answers 404
  chat-client devices [--json]    your devices for end-to-end encrypted conversations:
                                  id, name, when added and last seen, key packages
                                  left; this installation's is marked
  chat-client devices add [<name...>] [--json]
                                  make this installation one of your devices (default
                                  name: "chat-client on" and the machine's name): its
                                  private keys stay in a file readable by you alone,
                                  and key packages are uploaded for others to add it
  chat-client devices rename <device-id> <name...> [--json]
                                  rename one of your devices
  chat-client devices remove <device-id> [--json]
                                  remove a device (a unique id prefix will do); your
                                  encrypted conversations' members remove it from
                                  their groups; this installation's own keys are
                                  deleted with it
  chat-client devices share-history <device-id>
                                [--conversation <c> ...] [--json]
                                  leave the history this device holds of encrypted
                                  conversations (all of them, or each --conversation
                                  named as tail names it) for another of your devices,
                                  sealed to that device alone; kept 7 days
  chat-client devices receive-history [--json]
                                  take the history your other devices left for this
                                  one: tail then shows the messages from before it
                                  joined; a share that does not check is refused and
                                  deleted
  chat-client verify <username> [--confirm] [--json]
                                  the safety number to compare with a person, over
                                  both people's devices, and which of theirs are
                                  verified; --confirm once the numbers matched marks
                                  their devices verified
  chat-client backup [--json]     your key backup of encrypted conversations: its
                                  chunks and bytes, and whether this installation
                                  holds its key
  chat-client backup set-up [--passphrase-file FILE] [--json]
                                  make a key backup under a recovery passphrase (at
                                  least 12 characters, asked twice) and upload this
                                  device's history; send and tail keep it up to date
  chat-client backup restore [--passphrase-file FILE] [--json]
                                  open the key backup here with its passphrase and
                                  fill in the messages sent before this device joined
  chat-client backup passphrase [--passphrase-file FILE]
                                [--new-passphrase-file FILE] [--json]
                                  change the recovery passphrase: the same key wrapped
                                  under the new one (asked twice), every chunk kept;
                                  the old passphrase opens nothing any more
  chat-client backup remove [--json]
                                  remove the key backup: its key and every chunk
  chat-client --help | --version

A message id is the full "id" that send --json, tail --json and search print; an
attachment id is the "id" in a message's "attachments".

<conversation> is a full id, a unique id prefix, a group title, or for a direct chat the
other person's username (or @username). Several matches is an error listing them.

send @username starts the direct chat when there is none yet.

Every command but login, register and logout takes --json: one JSON document on stdout.
Exit status: 0 ok, 1 error (chat-client: <code>: <message> on stderr), 2 not logged in
(or the session or CHAT_TOKEN refused), 3 run: the bot did not answer.
CHAT_TOKEN=<token> (with CHAT_SERVER=<url>, or the saved session's server) runs a command
as the token's owner without a saved session; it is sent as Authorization: Bearer.
The session is kept in $XDG_CONFIG_HOME/private-chat/credentials.json (default
~/.config/private-chat/; the CHAT_CLIENT_CONFIG_DIR environment variable overrides the
directory), readable by you alone; a device's keys in device-<user id>.json beside it.
`;
