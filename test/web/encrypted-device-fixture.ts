/**
 * The set-up the tests of the web app as a device share (encrypted-browser-device.test.ts,
 * encrypted-browser-files.test.ts, encrypted-threads.test.ts): a server, Alice in a headless browser that she makes
 * one of her devices in Settings, and Bob, whose device is the SDK's (as the terminal
 * client runs it), in an encrypted group with her that his device sets up.
 */
import assert from "node:assert/strict";
import { ApiClient } from "@private-chat/sdk";
import { EncryptedChat, type RegisteredDevice, registerDevice } from "@private-chat/sdk/mls";
import type { Browser, Locator, Page } from "playwright-core";
import { memoryStates } from "../e2ee/device-fixture.js";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { messageList, signedInPage, visible } from "./helpers.js";

export interface DeviceFixture {
  server: TestServer;
  browser: Browser;
  /** Alice's page. */
  page: Page;
  alice: TestUser;
  bob: TestUser;
  bobApi: ApiClient;
  /** Uncaught errors and console errors of Alice's page. */
  errors: string[];
}

/**
 * A server, Alice signed in in a browser (not yet a device), and Bob. `browserArgs`: more
 * Chromium flags (a fake camera's).
 */
export async function startDeviceFixture(
  browserArgs: readonly string[] = [],
): Promise<DeviceFixture> {
  const server = await startTestServer({ rate_limit: { enabled: false } });
  const [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
  const bobApi = new ApiClient({ baseUrl: server.url, token: bob.token });
  const browser = await launchBrowser(browserArgs);
  const errors: string[] = [];
  const page = await signedInPage(browser, server.url, alice, errors);
  return { server, browser, page, alice, bob, bobApi, errors };
}

export async function stopDeviceFixture(fixture: DeviceFixture | undefined): Promise<void> {
  await fixture?.browser.close();
  await fixture?.server.stop();
}

/** Makes Alice's browser one of her devices, in Settings. */
export async function makeBrowserADevice(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  const section = page.getByRole("region", { name: "Devices for encrypted chats" });
  await section.getByRole("button", { name: "Use this browser for encrypted chats" }).click();
  await section.getByRole("button", { name: "Add this browser" }).click();
  await visible(section.getByText("this browser", { exact: true }));
}

export interface BobsGroup {
  bobDevice: RegisteredDevice;
  bobChat: EncryptedChat;
  conversationId: string;
}

/**
 * Bob's device (made now, unless given), and an encrypted group of Bob and Alice titled
 * `title` that it sets up, adding Alice's browser's device. A group: a direct chat from
 * a stranger would wait as a request first.
 */
export async function bobsGroup(
  fixture: DeviceFixture,
  title: string,
  device?: RegisteredDevice,
): Promise<BobsGroup> {
  const { bob, bobApi, alice } = fixture;
  const bobDevice = device ?? (await registerDevice(bobApi.devices, bob.id, "bob's laptop", 2));
  const conversation = await bobApi.createConversation({
    type: "group",
    title,
    member_ids: [alice.id],
    encrypted: true,
  });
  const bobChat = new EncryptedChat(bobApi, bobDevice, conversation, memoryStates());
  assert.equal(await bobChat.setUp(), true, "Bob's device adds Alice's browser's");
  return { bobDevice, bobChat, conversationId: conversation.id };
}

/** The message of the timeline that holds `text`. */
export function messageItem(page: Page, text: string): Locator {
  return messageList(page).getByRole("listitem").filter({ hasText: text });
}
