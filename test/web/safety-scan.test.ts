/**
 * Scanning a contact's safety number with the camera (docs/E2EE.md#verification), in a
 * real headless Chromium whose fake camera films a QR code (helpers/fake-camera.ts): a
 * code that is no safety number is said and the scan goes on; another number is refused
 * in words and marks nothing; the same number marks the contact verified, as "Mark as
 * verified" does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromBase64Url, safetyNumber } from "@private-chat/sdk/mls";
import type { Locator, Page } from "playwright-core";
import { cameraFile, fakeCameraArgs, showQr } from "../helpers/fake-camera.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import {
  bobsGroup,
  type DeviceFixture,
  makeBrowserADevice,
  startDeviceFixture,
  stopDeviceFixture,
} from "./encrypted-device-fixture.js";
import { conversationLink, gone, passesAxe, visible } from "./helpers.js";

describe("scanning a safety number's QR code", { timeout: 600_000 }, () => {
  const camera = cameraFile(tempDirs("chat-camera-")());
  let fixture: DeviceFixture;
  let page: Page;
  let bobName: string;
  let expected: string;
  let dialog: Locator;

  before(async () => {
    // Chromium looks for the file when it lists its cameras: it is there from the start.
    await showQr(camera, "https://example.com/not-a-number");
    fixture = await startDeviceFixture(fakeCameraArgs(camera));
    page = fixture.page;
    const { alice, bob, bobApi } = fixture;
    await makeBrowserADevice(page);
    await bobsGroup(fixture, "Pair");
    bobName = (await bobApi.me()).display_name;
    const keys = async (id: string) =>
      (await bobApi.devices.ofUser(id)).map((d) => fromBase64Url(d.signature_key));
    expected = safetyNumber(
      { userId: bob.id, signatureKeys: await keys(bob.id) },
      { userId: alice.id, signatureKeys: await keys(alice.id) },
    );
    await conversationLink(page, "Pair").click();
    await page.getByRole("link", { name: "Group members" }).click();
    await bobsEntry()
      .getByRole("button", { name: `Verify ${bobName}` })
      .click();
    dialog = page.getByRole("dialog", { name: `Verify ${bobName}` });
    await visible(dialog.getByRole("figure", { name: "Safety number" }));
  });

  after(() => stopDeviceFixture(fixture));

  const bobsEntry = () =>
    page
      .getByRole("complementary", { name: "Group info" })
      .getByRole("listitem")
      .filter({ hasText: `@${fixture.bob.username}` });

  it("says a QR code that is not a safety number, and goes on scanning", async () => {
    await dialog.getByRole("button", { name: `Scan ${bobName}'s code` }).click();
    await visible(dialog.getByLabel("Camera"));
    await visible(dialog.getByRole("status").filter({ hasText: "not a safety number" }));
    await passesAxe(page, "the safety number's dialog, scanning");
    await dialog.getByRole("button", { name: "Stop scanning" }).click();
    await gone(dialog.getByLabel("Camera"));
    await visible(bobsEntry().getByText("Not verified", { exact: true }));
  });

  it("refuses another safety number and marks nothing", async () => {
    const other = expected.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    await showQr(camera, other);
    await dialog.getByRole("button", { name: `Scan ${bobName}'s code` }).click();
    const refusal = dialog.getByRole("alert");
    await visible(refusal);
    assert.match((await refusal.textContent()) ?? "", /different safety number/);
    await gone(dialog.getByLabel("Camera"));
    await passesAxe(page, "the safety number's dialog, a different number scanned");
    await visible(bobsEntry().getByText("Not verified", { exact: true }));
  });

  it("marks Bob verified when the code holds the same number", async () => {
    await showQr(camera, expected);
    await dialog.getByRole("button", { name: "Scan again" }).click();
    await gone(dialog);
    await visible(bobsEntry().getByText("Verified", { exact: true }));
    await visible(page.getByText(`The numbers match: ${bobName} is verified.`));
  });

  it("logged no errors", () => {
    assert.deepEqual(fixture.errors, []);
  });
});
