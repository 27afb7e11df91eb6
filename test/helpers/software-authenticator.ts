/**
 * A software passkey (a WebAuthn authenticator with one ES256 key), for API tests that
 * have no browser: it answers the server's options as a browser's
 * `PublicKeyCredential.toJSON()` would, with an origin and a signature counter the test
 * chooses (a cloned authenticator is one whose counter goes back). The encodings are
 * @simplewebauthn's CBOR and base64url helpers; the signatures are node:crypto's.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();
const b64 = (bytes: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(bytes));

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter);
  return bytes;
}

export interface AnswerOptions {
  origin: string;
  /** Defaults to the origin's host name. */
  rpId?: string;
  /** Whether the authenticator verified its person (PIN, biometrics). */
  verified?: boolean;
}

export class SoftwarePasskey {
  readonly credentialId = randomBytes(16);
  private readonly keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  /** The signature counter the next answer reports; set it back to act as a clone. */
  counter = 0;
  /** The account id the server gave at enrolment (the user handle). */
  private userId: Uint8Array | undefined;

  get id(): string {
    return b64(this.credentialId);
  }

  private authData(rpId: string, flags: number, attested?: Buffer): Buffer {
    return Buffer.concat([
      sha256(rpId),
      Buffer.from([flags]),
      counterBytes(this.counter),
      ...(attested ? [attested] : []),
    ]);
  }

  private coseKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: "jwk" });
    const key = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, isoBase64URL.toBuffer(jwk.x as string)],
      [-3, isoBase64URL.toBuffer(jwk.y as string)],
    ]);
    return isoCBOR.encode(key);
  }

  /** The answer to enrolment options (`navigator.credentials.create()`). */
  register(options: { challenge: string; user?: { id?: unknown } }, answer: AnswerOptions) {
    this.userId = isoBase64URL.toBuffer(String(options.user?.id));
    const rpId = answer.rpId ?? new URL(answer.origin).hostname;
    const clientData = JSON.stringify({
      type: "webauthn.create",
      challenge: options.challenge,
      origin: answer.origin,
      crossOrigin: false,
    });
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([
      Buffer.alloc(16), // AAGUID: none
      idLength,
      this.credentialId,
      Buffer.from(this.coseKey()),
    ]);
    const flags = UP | AT | (answer.verified === false ? 0 : UV);
    const authData = this.authData(rpId, flags, attested);
    const attestation = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", new Uint8Array(authData)],
      ]) as Parameters<typeof isoCBOR.encode>[0],
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: b64(Buffer.from(clientData)),
        attestationObject: b64(attestation),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  /** The answer to sign-in options (`navigator.credentials.get()`). */
  assert(options: { challenge: string }, answer: AnswerOptions) {
    const rpId = answer.rpId ?? new URL(answer.origin).hostname;
    const clientData = Buffer.from(
      JSON.stringify({
        type: "webauthn.get",
        challenge: options.challenge,
        origin: answer.origin,
        crossOrigin: false,
      }),
    );
    this.counter += 1;
    const authData = this.authData(rpId, UP | (answer.verified === false ? 0 : UV));
    const signature = sign(
      "sha256",
      Buffer.concat([authData, sha256(clientData)]),
      this.keys.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: b64(clientData),
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(this.userId ? { userHandle: b64(this.userId) } : {}),
      },
      clientExtensionResults: {},
    };
  }
}
