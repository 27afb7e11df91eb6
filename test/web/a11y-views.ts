/**
 * The views the accessibility suite checks with axe-core: how to reach each from a
 * signed-in page (or a fresh one) and what shows it. A new screen adds one entry to VIEWS
 * (the admin console's sections are in a11y-admin-views.ts).
 */
import type { Page } from "playwright-core";
import { conversationLink, messageList, visible } from "./helpers.js";

export interface Setup {
  url: string;
  direct: string;
  group: string;
  groupTitle: string;
  /** The group's message with a thread of three replies; Alice follows it. */
  threadRoot: string;
  /** A stranger's message request waiting for Alice, one Alice sent, one she declined. */
  pending: string;
  sent: string;
  strangerName: string;
  blockedName: string;
  /** One of Alice's contacts, whose account (and sessions) the administrator manages. */
  memberName: string;
}

/** One view: how to reach it from a signed-in page (or a fresh one), and what shows it. */
export interface View {
  name: string;
  /** Who looks at it: the member with chats, one with none, the server's administrator, or nobody signed in. */
  as: "alice" | "newcomer" | "admin" | "signed-out";
  open: (page: Page, setup: Setup) => Promise<void>;
  /** Undoes what `open` changed, for the views after it (and the next layout's run). */
  close?: (page: Page, setup: Setup) => Promise<void>;
}

export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

const thread = (page: Page) => page.getByRole("region", { name: /^Conversation with/ });

export const VIEWS: View[] = [
  {
    name: "sign-in",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await visible(page.getByRole("button", { name: "Sign in" }));
    },
  },
  {
    name: "sign-in with an error",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await page.getByLabel("Username").fill("nobody_here");
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await visible(page.getByRole("alert"));
    },
  },
  {
    name: "register",
    as: "signed-out",
    open: async (page, s) => {
      await page.goto(s.url);
      await page.getByRole("button", { name: "Create an account" }).click();
      await visible(page.getByLabel("Display name"));
    },
  },
  {
    name: "empty conversation list",
    as: "newcomer",
    open: async (page) => {
      await go(page, "#/");
      await visible(page.getByText("No conversations yet."));
    },
  },
  {
    name: "conversation list",
    as: "alice",
    open: async (page, s) => {
      await go(page, "#/");
      await visible(conversationLink(page, s.groupTitle));
    },
  },
  {
    name: "direct chat with replies, reactions and attachments",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await visible(messageList(page).getByText("a reply to you"));
      await visible(messageList(page).getByRole("button", { name: "Open image sea.png" }));
      await visible(messageList(page).getByRole("button", { name: /^Download notes\.txt/ }));
    },
  },
  {
    name: "message actions",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      const mine = messageList(page).getByText("a reply to you");
      await visible(mine);
      // From off the messages: a pointer left over another message keeps its toolbar open
      // on top of this one.
      await page.mouse.move(0, 0);
      await mine.hover();
      await visible(page.getByRole("toolbar", { name: "Message actions" }).first());
    },
  },
  {
    name: "image viewer",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await messageList(page).getByRole("button", { name: "Open image sea.png" }).click();
      await visible(page.getByRole("dialog", { name: "sea.png" }).locator("img"));
    },
  },
  {
    name: "earlier versions of an edited message",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await messageList(page).getByRole("button", { name: "(edited)" }).click();
      const dialog = page.getByRole("dialog", { name: "Earlier versions" });
      await visible(dialog.getByText("a reply to yuo"));
    },
  },
  {
    name: "direct chat details",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}/info`);
      await visible(page.getByRole("complementary"));
    },
  },
  {
    name: "group chat",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      await visible(messageList(page).getByText("hello everyone"));
      await visible(thread(page).getByText("4 members"));
      await visible(messageList(page).getByRole("link", { name: /3 replies/ }));
    },
  },
  {
    name: "group info with a pinned message",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      const message = messageList(page).getByRole("listitem").filter({ hasText: "hello everyone" });
      await message.hover();
      await message.getByRole("button", { name: "Pin", exact: true }).click();
      await visible(message.getByRole("button", { name: "Unpin", exact: true }));
      await go(page, `#/c/${s.group}/info`);
      const panel = page.getByRole("complementary", { name: "Group info" });
      await visible(panel.getByRole("list", { name: "Pinned", exact: true }).getByRole("link"));
      await visible(panel.getByRole("checkbox", { name: "Every member can pin messages" }));
    },
    close: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      const message = messageList(page).getByRole("listitem").filter({ hasText: "hello everyone" });
      await message.hover();
      await message.getByRole("button", { name: "Unpin", exact: true }).click();
      await visible(message.getByRole("button", { name: "Pin", exact: true }));
      // Off the message, so its toolbar does not stay open over the next view's messages.
      await page.mouse.move(0, 0);
    },
  },
  {
    name: "followed threads",
    as: "alice",
    open: async (page) => {
      await go(page, "#/threads");
      await visible(page.getByRole("link").filter({ hasText: "hello everyone" }));
    },
  },
  {
    name: "a thread beside the group",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}/t/${s.threadRoot}`);
      const panel = page.getByRole("complementary", { name: "Thread" });
      await visible(panel.getByRole("list", { name: "Replies" }).getByText("then Sunday at nine"));
      await visible(panel.getByRole("button", { name: "Following" }));
      await visible(panel.getByRole("checkbox", { name: "Also send to the conversation" }));
    },
  },
  {
    name: "group members panel, adding members",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}/info`);
      const panel = page.getByRole("complementary", { name: "Group info" });
      await panel.getByRole("button", { name: "Add members" }).click();
      await visible(panel.getByLabel("Search people to add"));
    },
  },
  {
    name: "unknown conversation",
    as: "alice",
    open: async (page) => {
      await go(page, "#/c/00000000-0000-4000-8000-000000000000");
      await visible(page.getByText("This conversation is not available."));
    },
  },
  {
    name: "message not found",
    as: "alice",
    open: async (page, s) => {
      // A malformed link: it is not found without asking the server (no 404 in the console).
      await go(page, `#/c/${s.group}/m/`);
      await visible(page.getByRole("heading", { name: "Message not found" }));
    },
  },
  {
    name: "new direct chat",
    as: "alice",
    open: async (page) => {
      await go(page, "#/new");
      await visible(page.getByRole("button", { name: "Group" }));
    },
  },
  {
    name: "new group",
    as: "alice",
    open: async (page) => {
      await go(page, "#/new");
      await page.getByRole("button", { name: "Group" }).click();
      await visible(page.getByLabel("Group name"));
    },
  },
  {
    name: "search with results",
    as: "alice",
    open: async (page) => {
      await go(page, "#/search/hello");
      await visible(page.getByRole("list", { name: "Search results" }).getByRole("link").first());
    },
  },
  {
    name: "search without results",
    as: "alice",
    open: async (page) => {
      await go(page, "#/search/zzzqqq");
      await visible(page.getByRole("status").getByText(/No messages/i));
    },
  },
  {
    name: "settings",
    as: "alice",
    open: async (page, s) => {
      await go(page, "#/settings");
      await visible(page.getByRole("heading", { name: "Sessions" }));
      await visible(page.getByRole("button", { name: /sign out/i }).first());
      await visible(
        page
          .getByRole("list", { name: "Blocked people" })
          .getByText(s.blockedName, { exact: true }),
      );
      await visible(
        page
          .getByRole("region", { name: "Do not disturb" })
          .getByRole("status")
          .getByText("Do not disturb is off."),
      );
    },
  },
  {
    name: "settings: do-not-disturb hours with an error",
    as: "alice",
    open: async (page) => {
      await go(page, "#/settings");
      const dnd = page.getByRole("region", { name: "Do not disturb" });
      await visible(dnd.getByRole("status").getByText("Do not disturb is off."));
      await dnd.getByRole("checkbox", { name: "Pause notifications every day" }).check();
      await dnd.getByLabel("Time zone").fill("Nowhere/Special");
      await dnd.getByRole("button", { name: "Save" }).click();
      await visible(dnd.getByRole("alert"));
    },
    close: async (page) => {
      // Nothing was saved: leaving Settings drops the form.
      await go(page, "#/");
    },
  },
  {
    name: "settings: deleting the account, asked first",
    as: "alice",
    open: async (page) => {
      await go(page, "#/settings");
      const card = page.getByRole("form", { name: "Delete account" });
      await card.getByRole("button", { name: "Delete my account…" }).click();
      await visible(card.getByRole("button", { name: "Delete my account for good" }));
    },
    close: async (page) => {
      await go(page, "#/");
    },
  },
  {
    name: "a message request",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.pending}`);
      await visible(page.getByRole("heading", { name: `${s.strangerName} wants to message you` }));
    },
  },
  {
    name: "blocking a request's sender, asked first",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.pending}`);
      await thread(page)
        .getByRole("button", { name: `Block ${s.strangerName}` })
        .click();
      await visible(page.getByRole("button", { name: `Block ${s.strangerName}`, exact: true }));
    },
  },
  {
    name: "a sent request, waiting",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.sent}`);
      await visible(page.getByText(/^Waiting for .+ to accept$/));
    },
  },
  {
    name: "message requests, waiting and declined",
    as: "alice",
    open: async (page) => {
      await go(page, "#/requests");
      await visible(page.getByRole("heading", { name: "Message requests", level: 2 }));
      await visible(page.getByRole("button", { name: /^Accept the request from / }));
    },
  },
  {
    name: "a group with a blocked person's message collapsed",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      await visible(messageList(page).getByText("from a person you blocked"));
    },
  },
  {
    name: "a conversation's notifications menu",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await page.getByRole("button", { name: "Notifications", exact: true }).click();
      await visible(page.getByRole("button", { name: "Mute for 1 hour" }));
    },
  },
  {
    name: "a muted conversation: its menu, and the list marking it",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.group}`);
      await page.getByRole("button", { name: "Notifications", exact: true }).click();
      await page.getByRole("button", { name: "Mute until I unmute" }).click();
      await page.getByRole("button", { name: "Notifications (muted)" }).click();
      await visible(page.getByRole("button", { name: "Unmute" }));
    },
    close: async (page) => {
      // Escape closed the menu after the check: open it again to unmute.
      await page.getByRole("button", { name: "Notifications (muted)" }).click();
      await page.getByRole("button", { name: "Unmute" }).click();
      await visible(page.getByRole("button", { name: "Notifications", exact: true }));
    },
  },
  {
    name: "offline, showing what this device kept",
    as: "alice",
    open: async (page, s) => {
      await go(page, `#/c/${s.direct}`);
      await visible(messageList(page).getByText("a reply to you").first());
      await page.context().setOffline(true);
      await visible(page.getByRole("status").getByText(/You're offline/));
    },
    close: async (page) => {
      await page.context().setOffline(false);
      await page
        .getByRole("status")
        .getByText(/You're offline/)
        .waitFor({ state: "hidden" });
    },
  },
];

export const LAYOUTS = [
  { label: "desktop", viewport: { width: 1280, height: 800 } },
  { label: "phone", viewport: { width: 390, height: 844 } },
] as const;
