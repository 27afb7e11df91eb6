/**
 * What the server reads of an MLS message (RFC 9420) sent into an encrypted conversation:
 * only its clear header. A PrivateMessage names its group, its epoch and its content
 * type in the clear and encrypts the rest, so the server can order commits (one per
 * epoch) without any key. Anything that is not one whole PrivateMessage of this
 * conversation's group, or a welcome that is not one whole Welcome, is refused here,
 * before it is queued.
 */
import type { MlsKind, MlsSend } from "@private-chat/protocol/encrypted";
import { decodeMlsMessage } from "ts-mls";
import { AppError } from "../errors.js";
import type { MlsHeader } from "../storage/message-rules.js";

export type { MlsHeader };

function bytesOf(field: string, text: string): Uint8Array {
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text)
    throw new AppError("invalid_request", `${field} must be base64url without padding`);
  return bytes;
}

function decodeWhole(field: string, bytes: Uint8Array) {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded || decoded[1] !== bytes.length)
    throw new AppError("invalid_request", `${field} is not one whole MLS message`);
  return decoded[0];
}

/** The header of `body` (and the welcome it carries), checked against the conversation. */
export function readMlsSend(conversationId: string, body: string, mls: MlsSend): MlsHeader {
  const message = decodeWhole("body", bytesOf("body", body));
  if (message.wireformat !== "mls_private_message")
    throw new AppError(
      "invalid_request",
      `body must be an MLS PrivateMessage (this is a ${message.wireformat})`,
    );
  const { groupId, epoch, contentType } = message.privateMessage;
  if (Buffer.from(groupId).toString("utf8") !== conversationId)
    throw new AppError("invalid_request", "body is an MLS message of another group");
  if (epoch > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AppError("invalid_request", "body's epoch is out of range");
  const kind: MlsKind = contentType;
  let welcome: string | null = null;
  if (mls.welcome !== undefined) {
    if (kind !== "commit") throw new AppError("invalid_request", "only a commit carries a welcome");
    const decoded = decodeWhole("mls.welcome", bytesOf("mls.welcome", mls.welcome));
    if (decoded.wireformat !== "mls_welcome")
      throw new AppError("invalid_request", "mls.welcome must be an MLS Welcome");
    welcome = mls.welcome;
  }
  return { kind, epoch: Number(epoch), welcome };
}
