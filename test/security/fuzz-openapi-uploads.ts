/**
 * Upload requests for the OpenAPI fuzz: a multipart form carrying a file of every type the
 * server takes (valid, truncated, corrupted, over the size limit, or of a type kept as an
 * opaque file), under a strange name and a claimed type, in a form that may itself be
 * broken (no file part, two files, too many parts, cut short, the wrong boundary, not
 * multipart at all).
 */
import fc from "fast-check";
import {
  animatedImage,
  type BrokenFile,
  brokenImages,
  DECODED_TYPES,
  type DecodedType,
  opaqueImages,
  validImage,
} from "../attachments/broken-images.js";
import type { ApiCase, Auth, Operation } from "./fuzz-openapi-cases.js";
import { encodeSegment } from "./fuzz-openapi-cases.js";
import { knownId, type OpenApiWorld } from "./fuzz-openapi-world.js";
import { EDGE_STRINGS, weirdString } from "./hostile.js";

/** Every file the fuzz may upload, by name; `limit` is the server's max_file_bytes. */
export async function uploadFiles(limit: number): Promise<BrokenFile[]> {
  const files: BrokenFile[] = [];
  for (const type of Object.keys(DECODED_TYPES) as DecodedType[]) {
    const bytes = await validImage(type);
    files.push({ name: `${type} valid`, bytes });
    // Sniffs as its type, but is one byte past the limit.
    files.push({
      name: `${type} over the limit`,
      bytes: Buffer.concat([bytes, Buffer.alloc(limit + 1 - bytes.length)]),
    });
  }
  files.push({ name: "animated GIF valid", bytes: await animatedImage("image/gif") });
  files.push({ name: "animated WebP valid", bytes: await animatedImage("image/webp") });
  const broken = await brokenImages();
  files.push(...broken.refused, ...broken.tolerated, ...(await opaqueImages()));
  files.push({ name: "empty", bytes: Buffer.alloc(0) });
  files.push({ name: "text", bytes: Buffer.from("plain text\n") });
  files.push({ name: "opaque over the limit", bytes: Buffer.alloc(limit + 1, 0x5a) });
  return files;
}

type FormShape =
  | "one file"
  | "no file"
  | "two files"
  | "many parts"
  | "cut short"
  | "wrong boundary"
  | "not multipart";

const SHAPES: [number, FormShape][] = [
  [10, "one file"],
  [1, "no file"],
  [1, "two files"],
  [1, "many parts"],
  [1, "cut short"],
  [1, "wrong boundary"],
  [1, "not multipart"],
];

const BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW";

function filePart(field: string, name: string, type: string, bytes: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from("\r\n"),
  ]);
}

function fieldPart(name: string, value: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
}

function form(
  shape: FormShape,
  file: BrokenFile,
  name: string,
  type: string,
): { body: Buffer; contentType: string } {
  const multipart = `multipart/form-data; boundary=${BOUNDARY}`;
  const end = Buffer.from(`--${BOUNDARY}--\r\n`);
  const one = filePart("file", name, type, file.bytes);
  switch (shape) {
    case "one file":
      return { body: Buffer.concat([one, end]), contentType: multipart };
    case "no file":
      return {
        body: Buffer.concat([fieldPart("file", "not a file"), end]),
        contentType: multipart,
      };
    case "two files":
      return {
        body: Buffer.concat([one, filePart("other", name, type, file.bytes), end]),
        contentType: multipart,
      };
    case "many parts":
      return {
        body: Buffer.concat([
          ...Array.from({ length: 8 }, (_, i) => fieldPart(`f${i}`, "x")),
          one,
          end,
        ]),
        contentType: multipart,
      };
    case "cut short":
      return { body: one.subarray(0, Math.max(10, one.length - 20)), contentType: multipart };
    case "wrong boundary":
      return {
        body: Buffer.concat([one, end]),
        contentType: "multipart/form-data; boundary=other",
      };
    case "not multipart":
      // A claimed type with a control character cannot be an HTTP header.
      return {
        body: Buffer.from(file.bytes),
        contentType: /^[\x20-\x7e]*$/.test(type) ? type : "application/octet-stream",
      };
  }
}

const FILE_NAMES = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom("photo.png", "a.jpg", "x", "notes.pdf", "..\\..\\etc\\passwd"),
  },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: weirdString.filter((s) => s.length < 400) },
);

const CLAIMED_TYPES = fc.constantFrom(
  "application/octet-stream",
  "image/png",
  "image/svg+xml",
  "text/html",
  "",
  "x/\u0000",
);

export function uploadCase(
  world: OpenApiWorld,
  op: Operation,
  files: BrokenFile[],
): fc.Arbitrary<ApiCase> {
  const random: fc.Arbitrary<BrokenFile> = fc
    .uint8Array({ maxLength: 3000 })
    .map((bytes) => ({ name: "random bytes", bytes: Buffer.from(bytes) }));
  const conversation = fc.oneof(
    { weight: 8, arbitrary: knownId(world, "conversation") },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: weirdString.filter((s) => s !== "").map(encodeSegment) },
  );
  return fc
    .record({
      file: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...files) },
        { weight: 1, arbitrary: random },
      ),
      name: FILE_NAMES,
      type: CLAIMED_TYPES,
      shape: fc.constantFrom(...SHAPES.flatMap(([n, s]) => Array<FormShape>(n).fill(s))),
      conversation,
      auth: fc.constantFrom<Auth>(...Array<Auth>(18).fill("caller"), "none", "garbage"),
    })
    .map(({ file, name, type, shape, conversation: id, auth }) => ({
      op,
      target: op.path.replace("{id}", id),
      auth,
      ...form(shape, file, name, type),
      file: `${file.name} (${shape})`,
    }));
}
