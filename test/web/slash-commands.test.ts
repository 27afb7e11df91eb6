/**
 * Slash commands in the web app, against a bot's real HTTPS receiver on loopback: "/"
 * lists the conversation's commands, typing filters them, the keyboard picks one;
 * `/name text` runs it and shows an answer for the caller alone (or a warning when the
 * bot does not answer), an answer posted by the bot arrives as a message, and other text
 * starting with "/" is sent as it is. The open menu and the answers pass axe in both
 * themes, at a desktop and a phone width.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { addMembers, createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { HookReceiver } from "../helpers/hook-receiver.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { conversationLink, gone, messageList, signIn, visible, watchErrors } from "./helpers.js";

const tls = trustedCert();

/** What the bot answers, by the text its command was run with. */
function answerFor(text: string) {
  if (text === "fail") return { status: 500, body: "{}" };
  if (text === "announce") {
    return {
      status: 200,
      body: JSON.stringify({ text: "prod is live", visibility: "conversation" }),
    };
  }
  return { status: 200, body: JSON.stringify({ text: `deploying ${text}` }) };
}

/** Waits until fading panels and notices have ended: axe reads the colours shown. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const doc = (globalThis as any).document;
    const finite = doc
      .getAnimations()
      .filter((a: any) => a.effect?.getComputedTiming().endTime !== Number.POSITIVE_INFINITY);
    await Promise.all(finite.map((a: any) => a.finished.catch(() => undefined)));
  });
}

if (tls) {
  describe("slash commands in the web app", { timeout: 180_000 }, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let admin: TestUser;
    let alice: TestUser;
    let botName: string;
    const receiver = new HookReceiver(tls);
    const errors: string[] = [];
    const title = "Release room";

    before(async () => {
      await receiver.start();
      receiver.answer = (path) => {
        const last = receiver.at(path).at(-1);
        return answerFor(last ? JSON.parse(last.body).text : "");
      };
      server = await startTestServer({
        rate_limit: { enabled: false },
        integrations: { allow_private_urls: true },
      });
      // The first account is the administrator, who may make bots.
      admin = await createUser(server.url);
      alice = await createUser(server.url);
      const made = await request(server.url, "POST", "/api/v1/bots", {
        token: admin.token,
        body: { username: "release_bot" },
      });
      assert.equal(made.status, 201, made.text);
      const bot = made.body.bot;
      botName = bot.display_name || bot.username;
      for (const command of [
        { name: "deploy", description: "Deploys a build", usage: "<environment>" },
        { name: "status", description: "Says what runs where", usage: "" },
      ]) {
        const res = await request(server.url, "POST", `/api/v1/bots/${bot.id}/commands`, {
          token: admin.token,
          body: { ...command, url: receiver.url(`/${command.name}`) },
        });
        assert.equal(res.status, 201, res.text);
      }
      const group = await createGroup(server.url, admin, [alice], title);
      await addMembers(server.url, admin, group.id, [
        { id: bot.id, username: "", password: "", token: "" },
      ]);
      browser = await launchBrowser();
      // AxeBuilder needs a page of a context of our own.
      page = await (await browser.newContext()).newPage();
      watchErrors(page, errors);
      await signIn(page, server.url, { username: alice.username, displayName: alice.username });
      await conversationLink(page, title).click();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      await receiver.stop();
    });

    const box = () => page.getByLabel("Message", { exact: true });
    const menu = () => page.getByRole("listbox", { name: "Commands" });
    const options = () => menu().getByRole("option");
    const notices = () => page.locator(".command-notice");

    /** The option the message box points at with aria-activedescendant. */
    async function activeOption(): Promise<string> {
      const id = await box().getAttribute("aria-activedescendant");
      assert.ok(id, "the box points at an option");
      const option = page.locator(`[id="${id}"]`);
      assert.equal(await option.getAttribute("aria-selected"), "true");
      return (await option.locator(".command-name").textContent()) ?? "";
    }

    it("lists the commands as / is typed, filters them, and picks one with the keyboard", async () => {
      await box().click();
      await box().pressSequentially("/");
      await visible(menu());
      await visible(options().filter({ hasText: "/deploy" }));
      const deploy = options().filter({ hasText: "/deploy" });
      assert.match((await deploy.textContent()) ?? "", /<environment>/);
      assert.match((await deploy.textContent()) ?? "", /Deploys a build/);
      assert.match((await deploy.textContent()) ?? "", new RegExp(botName));
      assert.equal(await options().count(), 2);
      assert.equal(await box().getAttribute("aria-controls"), await menu().getAttribute("id"));
      const first = await activeOption();
      await box().press("ArrowDown");
      const second = await activeOption();
      assert.notEqual(first, second);
      await box().press("ArrowDown");
      assert.equal(await activeOption(), first, "the arrows wrap around");
      await box().press("ArrowUp");
      assert.equal(await activeOption(), second);
      await box().press("Escape");
      await gone(menu());
      assert.equal(await box().inputValue(), "/");
      await box().pressSequentially("de");
      await visible(menu());
      assert.equal(await options().count(), 1);
      assert.equal(await activeOption(), "/deploy");
      await box().press("Tab");
      assert.equal(await box().inputValue(), "/deploy ");
      await gone(menu());
      await box().fill("/st");
      await visible(options().filter({ hasText: "/status" }));
      await box().press("Enter");
      assert.equal(await box().inputValue(), "/status ");
    });

    it("runs /deploy prod and shows the answer to the caller alone", async () => {
      await box().fill("/deploy prod");
      await box().press("Enter");
      const notice = notices().filter({ hasText: "deploying prod" });
      await visible(notice);
      await visible(notice.getByText("Only visible to you"));
      await visible(notice.getByText(botName, { exact: true }));
      assert.equal(await box().inputValue(), "");
      const [sent] = receiver.at("/deploy").slice(-1);
      assert.equal(JSON.parse(sent?.body ?? "{}").text, "prod");
      assert.equal(await messageList(page).getByText("deploying prod").count(), 0);
      assert.equal(await messageList(page).getByText("/deploy prod").count(), 0);
    });

    it("says so, as a warning, when the bot does not answer", async () => {
      await box().fill("/deploy fail");
      await box().press("Enter");
      const warning = page.locator(".command-notice.warning");
      await visible(warning.getByText(/^\/deploy did not answer/));
      await visible(warning.getByText("Only visible to you"));
    });

    it("passes axe with the menu open and the answers shown, in both themes and widths", async () => {
      for (const size of [
        { width: 1280, height: 800 },
        { width: 390, height: 760 },
      ]) {
        await page.setViewportSize(size);
        await box().fill("");
        await box().pressSequentially("/");
        await visible(menu());
        const shape = await menu().boundingBox();
        assert.ok(
          shape && shape.x >= 0 && shape.x + shape.width <= size.width,
          "within the screen",
        );
        for (const colorScheme of ["light", "dark"] as const) {
          await page.emulateMedia({ colorScheme });
          await settled(page);
          const result = await new AxeBuilder({ page }).analyze();
          assert.deepEqual(
            result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`),
            [],
            `${size.width} px, ${colorScheme}`,
          );
        }
        await box().press("Escape");
      }
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 1280, height: 800 });
      await box().fill("");
    });

    it("dismisses an answer", async () => {
      const count = await notices().count();
      await page.getByRole("button", { name: "Dismiss the answer to /deploy" }).first().click();
      await page.waitForFunction(
        (n) => (globalThis as any).document.querySelectorAll(".command-notice").length === n,
        count - 1,
      );
    });

    it("shows an answer the bot posts as a message, and sends unknown /text as it is", async () => {
      await box().fill("/deploy announce");
      await box().press("Enter");
      await visible(messageList(page).getByText("prod is live"));
      await box().fill("/shrug not a command");
      await box().press("Enter");
      await visible(messageList(page).getByText("/shrug not a command"));
      assert.deepEqual(errors, []);
    });
  });
}
