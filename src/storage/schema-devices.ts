/**
 * Table types of end-to-end encryption (docs/E2EE.md): devices and their MLS key packages
 * (migration 032), key backups with their chunks (migration 034), and history shared
 * between a person's devices (migration 036).
 */

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  /** The device's Ed25519 public key, base64url. */
  signature_key: string;
  created_at: number;
  last_seen_at: number;
}

export interface KeyPackagesTable {
  id: string;
  device_id: string;
  /** The KeyPackageRef (RFC 9420, §5.2), base64url. */
  ref: string;
  /** The encoded KeyPackage, base64url. */
  key_package: string;
  /** When its MLS lifetime ends, in milliseconds. */
  not_after: number;
  /** 1 for the package handed out again once the others are gone. */
  last_resort: number;
  created_at: number;
}

/** A person's backup key, wrapped under their passphrase's argon2id key. */
export interface KeyBackupsTable {
  user_id: string;
  kdf_algorithm: string;
  kdf_memory_kib: number;
  kdf_iterations: number;
  kdf_parallelism: number;
  /** base64url. */
  kdf_salt: string;
  /** Nonce, key and tag of AES-256-GCM, base64url. */
  wrapped_key: string;
  created_at: number;
  updated_at: number;
}

/** One encrypted chunk of a person's history, under the id their device chose. */
export interface KeyBackupChunksTable {
  user_id: string;
  id: string;
  /** The ciphertext, base64url. */
  data: string;
  /** The ciphertext's size in bytes (decoded). */
  bytes: number;
  updated_at: number;
}

/** A sealed archive of history waiting for one of its owner's devices. */
export interface HistorySharesTable {
  id: string;
  user_id: string;
  to_device_id: string;
  from_device_id: string;
  /** The archive's size in bytes (decoded). */
  bytes: number;
  created_at: number;
  expires_at: number;
  /** base64url, as the sending device gave them. */
  key_package_ref: string;
  enc: string;
  wrapped_key: string;
  signature: string;
  archive: string;
}

export interface EncryptionTables {
  devices: DevicesTable;
  key_packages: KeyPackagesTable;
  key_backups: KeyBackupsTable;
  key_backup_chunks: KeyBackupChunksTable;
  history_shares: HistorySharesTable;
}
