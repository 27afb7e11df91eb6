/**
 * One message: bubble (text, links and mentions rendered safely, and its attachments; an
 * encrypted message's files as this browser's device opened them), reply quote,
 * reactions, time and receipt, and the actions on it.
 */
import { type MessageView, sealedText, shownText } from "@private-chat/sdk";
import { lineOf, type Opened, opened } from "../e2ee/opened.js";
import { shownMessage } from "../e2ee/shown.js";
import { clockTime, fullTime } from "../format.js";
import { memo } from "../memo.js";
import { threadHref } from "../router.js";
import { toggleReaction } from "../state/actions.js";
import { chat, type PendingMessage } from "../state/chat.js";
import { discardSend, retrySend } from "../state/send.js";
import { useStore } from "../state/store.js";
import { isEmojiOnly, MessageText } from "../text.js";
import { AttachmentList } from "./Attachments.js";
import { Avatar } from "./Avatar.js";
import { BotBadge } from "./BotBadge.js";
import { EditedMark } from "./EditHistory.js";
import { Icon } from "./icons.js";
import { MessageActions } from "./MessageActions.js";
import { SealedFileList } from "./SealedFiles.js";
import type { OnReply } from "./useReplyOrEdit.js";

export type NameOf = (userId: string) => string;

interface Props {
  message: MessageView;
  /** The reader: their id and username (for highlighting their mentions). */
  myId: string;
  myUsername: string | undefined;
  group: boolean;
  canModerate: boolean;
  nameOf: NameOf;
  /** Whether a sender is a bot: its name gets a "bot" badge. */
  botOf?: (userId: string) => boolean;
  continued: boolean;
  quote: MessageView | null;
  receipt: string | undefined;
  onReply: OnReply;
  onEdit: (m: MessageView) => void;
  /** Shown in a thread's panel: no thread links, no "Reply in thread". */
  inThread?: boolean;
}

/**
 * Under a root in the timeline: the faces of the latest repliers, the replies' count and
 * the latest reply's time.
 */
function ThreadLink({ message, nameOf }: { message: MessageView; nameOf: NameOf }) {
  const summary = message.thread;
  if (!summary || summary.reply_count === 0) return null;
  const n = summary.reply_count;
  return (
    <a class="thread-link" href={threadHref(message.conversation_id, message.id)}>
      <span class="thread-faces">
        {summary.participant_ids.slice(0, 3).map((id) => (
          <Avatar key={id} id={id} name={nameOf(id)} size="sm" />
        ))}
      </span>
      <span>
        {n} {n === 1 ? "reply" : "replies"}
      </span>
      {summary.last_reply_at !== null && (
        <span class="muted"> · last {clockTime(summary.last_reply_at)}</span>
      )}
    </a>
  );
}

/** The files of a message this browser's device opened, if any (held in `opened` only). */
function filesOf(read: Opened | undefined) {
  return read && "files" in read ? read.files : undefined;
}

export function Quote({ quote, nameOf }: { quote: MessageView | null; nameOf: NameOf }) {
  // An encrypted message fetched apart from the timeline (older than its loaded part) is
  // still ciphertext here: its plaintext comes from what this browser's device opened.
  const read = useStore(opened, (all) => (quote?.mls ? all[quote.id] : undefined));
  // An opened encrypted message of files alone is quoted by its first file's name.
  const files = useStore(opened, (all) => (quote ? filesOf(all[quote.id]) : undefined));
  if (!quote) return <div class="quote muted-i">Original message unavailable</div>;
  const shown = (read && shownMessage(quote, read)) ?? quote;
  const text = shown.body === "" && files ? lineOf("", files) : shownText(shown);
  return (
    <div class="quote">
      <span class="quote-name">{nameOf(quote.sender_id)}</span>
      <span class="quote-text">{quote.deleted ? "message deleted" : text}</span>
    </div>
  );
}

/** An encrypted message: its plaintext once this browser's device opened it. */
function SealedBody({ message, mls, myUsername }: BodyProps & { mls: MlsEnvelope }) {
  const read = useStore(opened, (all) => all[message.id]);
  if (read && "text" in read)
    return (
      <MessageText body={lineOf(read.text, read.files)} myUsername={myUsername} class="text" />
    );
  if (read && "unreadable" in read)
    return <p class="text tombstone">🔒 Cannot be read in this browser: {read.unreadable}</p>;
  // The timeline folds these into the message they change; shown alone elsewhere.
  if (read) return <p class="text tombstone">An edit of or a reaction to another message</p>;
  return <p class="text tombstone">{sealedText(mls)}</p>;
}

/** An encrypted message's edit: its earlier words stay on the devices, not the server. */
function SealedEditMark() {
  return (
    <>
      <span class="edited" title="Edited on the sender's device">
        (edited)
      </span>{" "}
    </>
  );
}

type MlsEnvelope = NonNullable<MessageView["mls"]>;

interface BodyProps {
  message: MessageView;
  myUsername: string | undefined;
  /** An opened encrypted message's files are shown: words may be empty beside them. */
  withFiles?: boolean;
}

function Body({ message, myUsername, withFiles = false }: BodyProps) {
  if (message.deleted) return <p class="text tombstone">message deleted</p>;
  if (message.mls)
    return <SealedBody message={message} mls={message.mls} myUsername={myUsername} />;
  if (message.body === "" && (message.attachments?.length || withFiles)) return null;
  return (
    <MessageText
      body={message.body}
      myUsername={myUsername}
      class={isEmojiOnly(message.body) ? "text big" : "text"}
    />
  );
}

export const MessageItem = memo(function MessageItem(props: Props) {
  const { message, myId, myUsername, group, nameOf, continued, quote, receipt } = props;
  const mine = message.sender_id === myId;
  const name = nameOf(message.sender_id);
  const bot = props.botOf?.(message.sender_id) === true;
  const showName = !mine && group && !continued;
  // Opened by this browser's device: no edit history kept on the server.
  const encrypted = useStore(chat, (s) => s.convs[message.conversation_id]?.encrypted === true);
  // An opened one's files, with the keys that open them; its uploads are ciphertext.
  const sealedFiles = useStore(opened, (all) =>
    encrypted && !message.mls ? filesOf(all[message.id]) : undefined,
  );
  const cls = `msg${mine ? " mine" : ""}${continued ? " cont" : ""}${message.deleted ? " deleted" : ""}`;

  return (
    <li class={cls} data-seq={message.seq}>
      {showName && (
        <div class="sender">
          {name}
          {bot && <BotBadge />}
        </div>
      )}
      <div class="msg-row">
        {!mine && group && (
          <span class="msg-avatar">
            {!continued && <Avatar id={message.sender_id} name={name} size="sm" />}
          </span>
        )}
        <div class="bubble-col">
          <div class={!message.deleted && isEmojiOnly(message.body) ? "bubble big" : "bubble"}>
            {!showName && (
              <span class="sr-only">
                {mine ? "You" : name}
                {bot && !mine ? " (bot)" : ""}:{" "}
              </span>
            )}
            {message.reply_to && !message.deleted && <Quote quote={quote} nameOf={nameOf} />}
            {/* An encrypted message's uploads are ciphertext: its files open on the device. */}
            {message.attachments && !message.deleted && !message.mls && !encrypted && (
              <AttachmentList attachments={message.attachments} />
            )}
            {sealedFiles && !message.deleted && <SealedFileList files={sealedFiles} />}
            <Body message={message} myUsername={myUsername} withFiles={sealedFiles !== undefined} />
            <span class="stamp">
              {message.edited_at &&
                !message.deleted &&
                (encrypted ? <SealedEditMark /> : <EditedMark message={message} />)}
              <time
                dateTime={new Date(message.created_at).toISOString()}
                title={fullTime(message.created_at)}
              >
                {clockTime(message.created_at)}
              </time>
            </span>
          </div>
          {/* An encrypted thread's summary is the one this browser's device worked out. */}
          {!props.inThread && <ThreadLink message={message} nameOf={nameOf} />}
          {!props.inThread && message.thread_id && (
            <a class="thread-link" href={threadHref(message.conversation_id, message.thread_id)}>
              <Icon name="thread" />
              <span>Replied in a thread</span>
            </a>
          )}
          {message.reactions && message.reactions.length > 0 && (
            <div class="reactions">
              {message.reactions.map((r) => {
                const reacted = r.user_ids.includes(myId);
                return (
                  <button
                    type="button"
                    key={r.emoji}
                    class={reacted ? "reaction on" : "reaction"}
                    aria-pressed={reacted}
                    aria-label={`${r.emoji} ${r.count}`}
                    title={r.user_ids.map(nameOf).join(", ")}
                    onClick={() => void toggleReaction(message, r.emoji)}
                  >
                    {r.emoji} <span>{r.count}</span>
                  </button>
                );
              })}
            </div>
          )}
        </div>
        {!message.deleted && (
          <MessageActions
            message={message}
            mine={mine}
            canDelete={mine || props.canModerate}
            onReply={props.onReply}
            onEdit={props.onEdit}
            inThread={props.inThread}
          />
        )}
      </div>
      {receipt && <div class="receipt">{receipt}</div>}
    </li>
  );
});

interface PendingProps {
  pending: PendingMessage;
  myUsername: string | undefined;
  nameOf: NameOf;
  quote: MessageView | null;
}

export function PendingItem({ pending, myUsername, nameOf, quote }: PendingProps) {
  return (
    <li class={pending.failed ? "msg mine pending failed" : "msg mine pending"}>
      <div class="msg-row">
        <div class="bubble-col">
          <div class="bubble">
            <span class="sr-only">You: </span>
            {pending.reply_to && <Quote quote={quote} nameOf={nameOf} />}
            {pending.attachments && <AttachmentList attachments={pending.attachments} />}
            {pending.body && (
              <MessageText body={pending.body} myUsername={myUsername} class="text" />
            )}
          </div>
        </div>
      </div>
      {pending.failed ? (
        <div class="receipt failed" role="alert">
          Not sent: {pending.failed}{" "}
          <button type="button" class="link" onClick={() => retrySend(pending)}>
            Retry
          </button>{" "}
          <button type="button" class="link" onClick={() => discardSend(pending)}>
            Discard
          </button>
        </div>
      ) : (
        <div class="receipt">Sending…</div>
      )}
    </li>
  );
}
