/**
 * Helpers for the attachment tests: multipart uploads and raw downloads through the real
 * API, images made with sharp, and a look at what the uploads directory holds.
 */
import type { AttachmentView } from "@private-chat/protocol/attachments";
import sharp from "sharp";
import type { TestUser } from "../helpers/factories.js";
import { checkAgainstContract } from "../helpers/openapi-contract.js";

// One listing for every suite: a file removed while listed is not counted.
export { filesUnder } from "../helpers/temp-dirs.js";

export const API = "/api/v1";

export interface UploadResult {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** Uploads one file as multipart/form-data, declaring whatever type the test wants. */
export async function upload(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  bytes: Uint8Array,
  options: { name?: string; type?: string } = {},
): Promise<UploadResult> {
  const form = new FormData();
  form.append(
    "file",
    new Blob([bytes], { type: options.type ?? "application/octet-stream" }),
    options.name ?? "file.bin",
  );
  const url = new URL(`${API}/conversations/${conversationId}/attachments`, baseUrl);
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  await checkAgainstContract({
    method: "POST",
    url,
    status: response.status,
    contentType: response.headers.get("content-type"),
    text,
    body,
  });
  return { status: response.status, body, text, headers: response.headers };
}

/** Uploads and expects 201. */
export async function uploadOk(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  bytes: Uint8Array,
  options: { name?: string; type?: string } = {},
): Promise<AttachmentView> {
  const res = await upload(baseUrl, user, conversationId, bytes, options);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.text}`);
  return res.body as AttachmentView;
}

export interface Downloaded {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

export async function download(
  baseUrl: string,
  user: TestUser,
  path: string,
  headers: Record<string, string> = {},
): Promise<Downloaded> {
  const url = new URL(`${API}${path}`, baseUrl);
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${user.token}`, ...headers },
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get("content-type");
  const text = contentType?.includes("json") ? bytes.toString("utf8") : "";
  await checkAgainstContract({
    method: "GET",
    url,
    status: response.status,
    contentType,
    text: bytes.length === 0 ? "" : text || "(bytes)",
    body: text ? JSON.parse(text) : undefined,
  });
  return { status: response.status, headers: response.headers, bytes };
}

export function pngImage(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .png()
    .toBuffer();
}
