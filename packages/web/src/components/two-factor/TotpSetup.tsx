/**
 * Setting up an authenticator app: the QR code of the otpauth:// address (drawn here by
 * `qrcode`, loaded only now), the secret for typing in, and the first code the app shows,
 * which confirms it. The first factor of an account brings its recovery codes.
 */
import type { TotpEnrolment } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../../api.js";

/** The secret in groups of four, as apps show it and people type it. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

export function TotpSetup(props: {
  enrolment: TotpEnrolment;
  onDone: (recoveryCodes: string[] | null) => void;
  onCancel: () => void;
}) {
  const [qr, setQr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    import("qrcode")
      .then((qrcode) =>
        qrcode.toString(props.enrolment.otpauth_uri, {
          type: "svg",
          margin: 1,
          errorCorrectionLevel: "M",
        }),
      )
      .then(
        (svg) => live && setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
        // The secret below still sets the app up.
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [props.enrolment.otpauth_uri]);

  async function confirm(event: Event) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "");
    setBusy(true);
    setError(null);
    try {
      props.onDone((await api.twoFactor.confirmTotp(code.replace(/\s+/g, ""))).recovery_codes);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <div class="stack">
      <p>
        Scan this QR code with an authenticator app (such as Aegis, 2FAS, Google Authenticator or
        1Password), or type the key in.
      </p>
      {qr && (
        <img
          class="totp-qr"
          src={qr}
          alt="QR code for your authenticator app"
          width={180}
          height={180}
        />
      )}
      <p>
        Key: <code class="admin-code">{grouped(props.enrolment.secret)}</code>
      </p>
      <form class="stack" onSubmit={(e) => void confirm(e)}>
        <label>
          Code from the app
          <input
            name="code"
            required
            autoComplete="one-time-code"
            inputMode="numeric"
            maxLength={16}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="admin-inline">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Please wait…" : "Turn on"}
          </button>
          <button type="button" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
