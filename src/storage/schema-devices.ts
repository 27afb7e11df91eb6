/**
 * Table types of devices and their MLS key packages (migration 032, docs/E2EE.md).
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
