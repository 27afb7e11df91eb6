/**
 * The SDK's webhook calls (client.webhooks, postToWebhook) against a real server on both
 * engines: each decodes the server's answer, and a deleted hook's URL is an ApiError.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, ApiError, postToWebhook } from "@private-chat/sdk";
import { apiSuite } from "../helpers/api-suite.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";

forEachEngine("SDK webhook calls", (run) => {
  const { started, users } = apiSuite(run);

  it("makes, lists, posts to and deletes a hook", async () => {
    const { server } = started();
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("no users");
    const group = (await createGroup(server.url, alice, [bob], "sdk hooks")).id;
    const client = new ApiClient({ baseUrl: server.url, token: alice.token });
    const made = await client.webhooks.create(group, "Deploys");
    assert.equal(made.bot.is_bot, true);
    const posted = await postToWebhook(made.url, { text: "shipped" });
    assert.equal(posted.ok, true);
    const [listed] = await client.webhooks.list(group);
    assert.equal(listed?.id, made.id);
    assert.equal(typeof listed?.last_used_at, "number");
    await client.webhooks.delete(made.id);
    assert.deepEqual(await client.webhooks.list(group), []);
    await assert.rejects(
      postToWebhook(made.url, { text: "too late" }),
      (err) => err instanceof ApiError && err.code === "not_found",
    );
  });
});
