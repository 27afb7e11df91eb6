/**
 * The SDK's MLS layer (RFC 9420, over ts-mls) for end-to-end encrypted conversations:
 * a device's keys and key packages, and its view of each encrypted group. Imported as
 * `@private-chat/sdk/mls`, apart from the rest, so an app that does not encrypt does not
 * load it.
 */

export type {
  EncryptedContent,
  EncryptedFile,
  OpenedContent,
} from "@private-chat/protocol/encrypted-content";
export {
  type ConversationState,
  type ConversationStates,
  type KeptMessage,
  type KeptMessages,
  loadGroup,
  type PendingChange,
  refusedForGood,
  type SaveState,
  sendPendingAgain,
  withGroup,
  withOwnChanges,
} from "./chat-state.js";
export {
  changesOf,
  contentLine,
  contentOf,
  keptOf,
  threadSeqs,
  UNKNOWN_CONTENT_TEXT,
} from "./content.js";
export {
  foldMessages,
  type ShownContent,
  type ShownMessage,
} from "./content-fold.js";
export {
  addDevices,
  type Joining,
  joinFromHistory,
  joinLatestWelcome,
  SETUP_CLIENT_ID,
  type SendChangeOptions,
  type StartedEncrypted,
  sendChange,
  sendEncrypted,
  setUpEncrypted,
  startEncrypted,
} from "./conversation.js";
export {
  createDeviceKeys,
  createSignatureKeys,
  type DeviceKeys,
  type HeldKeyPackage,
  KEY_PACKAGE_LIFETIME_S,
  makeKeyPackages,
  type SignatureKeys,
} from "./device.js";
export {
  EncryptedChat,
  type EncryptedChatHooks,
  isChatFailure,
  opened,
  type ReadMessage,
} from "./encrypted-chat.js";
export {
  downloadSealedFile,
  FileRefused,
  MAX_SEALED_FILE_BYTES,
  openFile,
  type PlainFile,
  SEALED_FILE_OVERHEAD,
  SEALED_UPLOAD_NAME,
  sealFile,
  uploadSealedFile,
} from "./encrypted-files.js";
export {
  type Change,
  EncryptedGroup,
  GroupRefusal,
  groupIdOf,
  type Received,
  type RefusalCode,
  type SavedChange,
} from "./group.js";
export {
  type BackedUpMessage,
  BLOCK,
  blockOf,
  type ChunkContent,
  chunkHash,
  chunksOf,
  isChunkContent,
  planOf,
  type UploadPlan,
} from "./history-chunks.js";
export {
  type FillResult,
  fillHistory,
  type HistoryByConversation,
  historyOfArchive,
  type RestoreResult,
  type RestoreTarget,
  restoreBackup,
} from "./history-restore.js";
export {
  HistoryShareRefused,
  heldPackageOf,
  type ListedDevice,
  openHistoryShare,
  sealHistoryShare,
} from "./history-share.js";
export {
  archivesOf,
  type SharedResult,
  sharedMessages,
  shareHistory,
  type TakenShare,
  takeHistoryShares,
} from "./history-share-flow.js";
export {
  BackupGone,
  type BackupMark,
  type BackupProgress,
  type HistoryBackupStore,
  type KeptSince,
  type UploadResult,
  uploadBackup,
} from "./history-upload.js";
export { credentialOf, type DeviceName, deviceOf, identityBytes } from "./identity.js";
export {
  BACKUP_KDF_COST,
  BACKUP_KEY_BYTES,
  BackupKeyRefused,
  ChunkRefused,
  chunkIdOf,
  newBackupKey,
  normalisedPassphrase,
  openChunk,
  passphraseChars,
  sealChunk,
  unwrapBackupKey,
  wrapBackupKey,
} from "./key-backup.js";
export {
  ASK_AGAIN_ABSENT_MS,
  ASK_AGAIN_MS,
  type BeforeSend,
  commitDifference,
  type Difference,
  EpochTaken,
  membershipDifference,
} from "./membership.js";
export {
  type DeviceStore,
  fromBase64Url,
  KEY_PACKAGE_POOL,
  type NewDevice,
  type RegisteredDevice,
  registerDevice,
  toBase64Url,
  topUpKeyPackages,
} from "./register.js";
export { type SafetyParty, safetyNumber, safetyNumberLines } from "./safety-number.js";
export { loadDevice, type SavedDevice, saveDevice, savedDevice } from "./saved-device.js";
export { cipherSuite, SUITE_NAME } from "./suite.js";
export {
  deviceKeys,
  type KeyedDevice,
  partyOf,
  type VerificationState,
  verificationState,
} from "./verification.js";
