/**
 * The cipher suite of every encrypted conversation, for now: suite 1 (X25519, AES-128-GCM,
 * SHA-256, Ed25519), the one RFC 9420 makes mandatory to implement (docs/E2EE.md, "The
 * cipher suite"). A group records its suite, so a later version can offer another.
 */
import { type CiphersuiteImpl, getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";

export const SUITE_NAME = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";

let suite: Promise<CiphersuiteImpl> | undefined;

/** The suite's primitives, made once: they hold no secret. */
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAME));
  return suite;
}
