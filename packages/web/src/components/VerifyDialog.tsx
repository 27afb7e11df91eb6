/**
 * Verifying a person (docs/E2EE.md#verification): a modal dialog with the safety number of
 * this browser's account and theirs, as digits and as a QR code (drawn by `qrcode`, loaded
 * only now), their devices as verified or not, and "Mark as verified" once the two people
 * compared the numbers. What it marks is the set of devices the number shown was made
 * over, not a list fetched again: a device added meanwhile stays unverified. Scanning
 * their QR code with the camera (SafetyScan) compares the digits and marks the same way. A native
 * <dialog> opened modally: the browser keeps focus inside, Escape closes it, and focus
 * goes back to the Verify button.
 */
import type { UserView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api.js";
import type { Comparison } from "../e2ee/verification.js";
import { toast } from "../state/notices.js";
import { Icon } from "./icons.js";
import { SafetyScan } from "./SafetyScan.js";

type Loaded =
  | { state: "loading" }
  | { state: "failed"; error: string }
  | { state: "ready"; comparison: Comparison };

export function VerifyDialog(props: {
  userId: string;
  contact: UserView;
  onVerified: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const [qr, setQr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = props.contact.display_name;
  const titleId = `verify-${props.contact.id}`;

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  useEffect(() => {
    let live = true;
    import("../e2ee/verification.js")
      .then(({ compareWith }) => compareWith(props.userId, props.contact.id))
      .then(
        (comparison) => {
          if (!live) return;
          setLoaded({ state: "ready", comparison });
          return import("qrcode").then((qrcode) =>
            qrcode.toString(comparison.digits, {
              type: "svg",
              margin: 1,
              errorCorrectionLevel: "M",
            }),
          );
        },
        (err: unknown) => {
          if (live) setLoaded({ state: "failed", error: errorText(err) });
        },
      )
      .then(
        (svg) =>
          live && svg && setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
        // The digits below are the number all the same.
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [props.userId, props.contact.id]);

  async function confirm(comparison: Comparison, scanned = false) {
    setBusy(true);
    try {
      const { markVerified } = await import("../e2ee/verification.js");
      await markVerified(props.userId, props.contact.id, comparison);
      props.onVerified();
      if (scanned) toast(`The numbers match: ${name} is verified.`);
      dialog.current?.close();
    } catch (err) {
      setLoaded({ state: "failed", error: errorText(err) });
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} class="verify-dialog" aria-labelledby={titleId} onClose={props.onClose}>
      <div class="verify-head">
        <h2 id={titleId}>Verify {name}</h2>
        <button
          type="button"
          class="icon-btn"
          aria-label="Close verification"
          onClick={() => dialog.current?.close()}
        >
          <Icon name="close" />
        </button>
      </div>
      {loaded.state === "loading" && <p>Working out the safety number…</p>}
      {loaded.state === "failed" && (
        <p class="error" role="alert">
          No safety number: {loaded.error}
        </p>
      )}
      {loaded.state === "ready" && (
        <>
          <p>
            Compare this number with the one {name} sees (in the app, or with{" "}
            <code>chat-client verify @{props.contact.username}</code>), in person or on a call. The
            same 60 digits mean that nobody, the server included, put a device between you.
          </p>
          <figure class="safety">
            <figcaption>Safety number</figcaption>
            <p class="safety-number">
              {loaded.comparison.lines.map((line, i) => (
                <span key={i}>{line}</span>
              ))}
            </p>
            {qr && (
              <img
                class="safety-qr"
                src={qr}
                alt={`QR code of the safety number ${loaded.comparison.lines.join(" ")}`}
                width={180}
                height={180}
              />
            )}
          </figure>
          <SafetyScan
            name={name}
            digits={loaded.comparison.digits}
            busy={busy}
            onMatch={() => void confirm(loaded.comparison, true)}
          />
          <h3>{name}'s devices</h3>
          <ul class="verify-devices" aria-label={`${name}'s devices`}>
            {loaded.comparison.theirs.map((d) => (
              <li key={d.id}>
                <span>{d.name}</span> <code>{d.id.slice(0, 8)}</code>{" "}
                {loaded.comparison.verifiedBefore.includes(d.signature_key)
                  ? "verified"
                  : "not verified"}
              </li>
            ))}
          </ul>
          <div class="admin-inline">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => void confirm(loaded.comparison)}
            >
              Mark as verified
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
