/**
 * Scanning a contact's safety number with the camera, inside the verify dialog: the QR
 * code their app shows holds the 60 digits, so reading it compares every digit at once.
 * The same number means the devices are the ones both apps see, and the dialog marks them
 * verified; another number is said plainly and marks nothing. Shown only where the
 * browser offers a camera (a secure context).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Scan } from "../e2ee/qr-scan.js";

type Step =
  | { state: "idle" }
  | { state: "scanning"; note?: string }
  | { state: "different" }
  | { state: "failed"; problem: string };

/** The digits a QR code holds, when it is a safety number (spaces between groups allowed). */
export function safetyDigits(text: string): string | undefined {
  const digits = text.replace(/\s+/g, "");
  return /^\d{60}$/.test(digits) ? digits : undefined;
}

export function SafetyScan(props: {
  name: string;
  digits: string;
  busy: boolean;
  onMatch: () => void;
}) {
  const [step, setStep] = useState<Step>({ state: "idle" });
  const video = useRef<HTMLVideoElement>(null);
  const scan = useRef<Scan | null>(null);
  // Media devices exist in a secure context only (HTTPS, or localhost).
  const offered = typeof navigator.mediaDevices?.getUserMedia === "function";

  const scanning = step.state === "scanning";
  // The camera starts once its <video> is on screen, and stops when the scan ends.
  useEffect(() => {
    if (!scanning) return;
    let live = true;
    void import("../e2ee/qr-scan.js").then(({ scanQr }) => {
      if (!live || !video.current) return;
      scan.current = scanQr(
        video.current,
        (text) => {
          const digits = safetyDigits(text);
          if (digits === undefined) {
            setStep({ state: "scanning", note: "That QR code is not a safety number." });
            return false;
          }
          if (digits === props.digits) {
            setStep({ state: "idle" });
            props.onMatch();
          } else setStep({ state: "different" });
          return true;
        },
        (problem) => setStep({ state: "failed", problem }),
      );
    });
    return () => {
      live = false;
      scan.current?.stop();
      scan.current = null;
    };
  }, [scanning]);

  if (!offered) return null;
  return (
    <div class="safety-scan">
      {/* Mounted while scanning only: no camera frame is kept once the scan ends. */}
      {scanning && (
        <>
          <video ref={video} class="safety-camera" muted playsInline aria-label="Camera" />
          <p role="status">
            {step.note ?? `Point the camera at the QR code on ${props.name}'s screen.`}
          </p>
        </>
      )}
      {step.state === "different" && (
        <p class="error" role="alert">
          The code you scanned is a different safety number. Do not mark {props.name} as verified: a
          device you do not know may be between you. Compare again, in person.
        </p>
      )}
      {step.state === "failed" && (
        <p class="error" role="alert">
          Cannot scan: {step.problem}
        </p>
      )}
      {scanning ? (
        <button type="button" onClick={() => setStep({ state: "idle" })}>
          Stop scanning
        </button>
      ) : (
        <button type="button" disabled={props.busy} onClick={() => setStep({ state: "scanning" })}>
          {step.state === "idle" ? `Scan ${props.name}'s code` : "Scan again"}
        </button>
      )}
    </div>
  );
}
