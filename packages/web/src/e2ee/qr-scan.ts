/**
 * Reading a QR code from the camera (docs/E2EE.md#verification): the browser's own
 * BarcodeDetector where it has one that reads QR codes (Chrome on Android and macOS), or
 * else the same interface from `barcode-detector`, whose decoder is ZXing's C++ in
 * WebAssembly. Its .wasm is a file of this build, fetched from this server only when a
 * scan starts (the package's default is a CDN, which neither the CSP nor an offline
 * server would allow). Loaded on demand: nothing here weighs on a page that never scans.
 */
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

/** What a scan needs of a detector: the codes in the frame shown, as text. */
interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

/** How often a frame is looked at: often enough to feel immediate, rarely enough to idle. */
const FRAME_INTERVAL_MS = 200;

async function qrDetector(): Promise<Detector> {
  const native = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  if (native && (await native.getSupportedFormats()).includes("qr_code"))
    return new native({ formats: ["qr_code"] });
  const { BarcodeDetector, prepareZXingModule } = await import("barcode-detector/ponyfill");
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) =>
        path.endsWith(".wasm") ? new URL(wasmUrl, location.href).href : prefix + path,
    },
  });
  return new BarcodeDetector({ formats: ["qr_code"] });
}

interface NativeDetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

/** Why the camera could not be used, in words a person can act on. */
export function cameraProblem(err: unknown): string {
  const name = err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError")
    return "The browser was not allowed to use the camera. Allow it in the site's settings and scan again.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No camera was found.";
  if (name === "NotReadableError") return "The camera is in use by another app.";
  return err instanceof Error ? err.message : String(err);
}

/** A running scan: `stop` lets the camera go, and is safe to call more than once. */
export interface Scan {
  stop(): void;
}

/**
 * Shows the camera in `video` and hands each QR code read to `onCode` until it answers
 * true (or `stop` is called); the camera is let go either way. `onError` hears why the
 * camera or the decoder could not start.
 */
export function scanQr(
  video: HTMLVideoElement,
  onCode: (text: string) => boolean,
  onError: (problem: string) => void,
): Scan {
  let stopped = false;
  let stream: MediaStream | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.srcObject = null;
  };
  const look = async (detector: Detector) => {
    if (stopped) return;
    // A frame is there once the video has data; until then there is nothing to read.
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      const codes = await detector.detect(video).catch(() => []);
      for (const code of codes) if (!stopped && onCode(code.rawValue)) return stop();
    }
    if (!stopped) timer = setTimeout(() => void look(detector), FRAME_INTERVAL_MS);
  };
  (async () => {
    try {
      const [media, detector] = await Promise.all([
        navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        }),
        qrDetector(),
      ]);
      stream = media;
      if (stopped) return stop();
      video.srcObject = media;
      await video.play();
      await look(detector);
    } catch (err) {
      if (stopped) return;
      stop();
      onError(cameraProblem(err));
    }
  })();
  return { stop };
}
