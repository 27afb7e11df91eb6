import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { uploadsDir } from "../../src/attachments/setup.js";
import { ConfigError, loadConfig } from "../../src/config/load.js";

describe("[uploads] configuration", () => {
  it("defaults to 25 MB files, a 1 GiB quota and local files beside the database", () => {
    const config = loadConfig({
      env: {},
      overrides: { database: { path: "/srv/chat/db/chat.db" } },
    });
    assert.equal(config.uploads.max_file_bytes, 26_214_400);
    assert.equal(config.uploads.user_quota_bytes, 1024 ** 3);
    assert.equal(config.uploads.store, "local");
    assert.equal(uploadsDir(config), "/srv/chat/db/uploads");
    const relative = loadConfig({ env: {} });
    assert.equal(uploadsDir(relative), resolve("data", "uploads"));
  });

  it("takes every key from the environment like the other sections", () => {
    const config = loadConfig({
      env: {
        CHAT_UPLOADS_PATH: "/var/lib/chat-files",
        CHAT_UPLOADS_MAX_FILE_BYTES: "1048576",
        CHAT_UPLOADS_USER_QUOTA_BYTES: "0",
        CHAT_UPLOADS_STORE: "s3",
        CHAT_UPLOADS_S3_BUCKET: "chat",
        CHAT_UPLOADS_S3_FORCE_PATH_STYLE: "true",
      },
    });
    assert.equal(uploadsDir(config), join("/var/lib/chat-files"));
    assert.equal(config.uploads.max_file_bytes, 1_048_576);
    assert.equal(config.uploads.user_quota_bytes, 0);
    assert.equal(config.uploads.s3_force_path_style, true);
  });

  it("reports a bad value and an S3 store without a bucket", () => {
    assert.throws(
      () => loadConfig({ env: { CHAT_UPLOADS_MAX_FILE_BYTES: "lots" } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /CHAT_UPLOADS_MAX_FILE_BYTES: \[uploads\] max_file_bytes/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ env: {}, overrides: { uploads: { store: "s3" } } }),
      /\[uploads\] s3_bucket: expected a bucket name/,
    );
  });
});
