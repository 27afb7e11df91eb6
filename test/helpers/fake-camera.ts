/**
 * A camera for headless Chromium that films a QR code: Chromium's fake capture device
 * plays a Y4M file (raw YUV 4:2:0 frames), which `showQr` writes. Chromium opens the
 * file each time a page starts the camera, so a test can change what it films between
 * scans.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import QRCode from "qrcode";
import sharp from "sharp";

const WIDTH = 640;
const HEIGHT = 480;

/** The flags that give Chromium this camera, permission granted without a prompt. */
export function fakeCameraArgs(file: string): string[] {
  return [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${file}`,
  ];
}

/** The camera file's path in `dir`. */
export const cameraFile = (dir: string) => join(dir, "camera.y4m");

/** Makes the camera film a QR code of `text`, black on white, in the middle of the frame. */
export async function showQr(file: string, text: string): Promise<void> {
  const png = await QRCode.toBuffer(text, { type: "png", margin: 4, width: 400 });
  // Grey levels are the luma plane; the chroma planes stay neutral (128): no colour.
  const luma = await sharp({
    create: { width: WIDTH, height: HEIGHT, channels: 3, background: "#ffffff" },
  })
    .composite([{ input: png }])
    .greyscale()
    .raw()
    .toColourspace("b-w")
    .toBuffer();
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), 128);
  const header = `YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\nFRAME\n`;
  writeFileSync(file, Buffer.concat([Buffer.from(header), luma, chroma, chroma]));
}
