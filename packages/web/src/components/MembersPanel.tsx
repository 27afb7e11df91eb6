/**
 * Members of a conversation with roles and presence, and its pinned messages. Admins
 * rename the group and add or remove members; anyone can leave a group. In an encrypted
 * conversation each other member is marked verified or not, with a button to verify them.
 */

import type { MemberView, Role } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { conversationTitle, lastSeen } from "../format.js";
import { chatHref, navigate } from "../router.js";
import { addMembers, leaveGroup, removeMember, renameGroup } from "../state/actions.js";
import { type Conv, chat } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { Avatar } from "./Avatar.js";
import { BlockButton } from "./BlockButton.js";
import { BotBadge } from "./BotBadge.js";
import { Icon } from "./icons.js";
import { VerificationMark, VerificationNotes, VerifyButton } from "./MemberVerification.js";
import { PinnedList } from "./PinnedList.js";
import { RetentionSetting } from "./RetentionSetting.js";
import { UserSearch } from "./UserSearch.js";
import { useVerification } from "./useVerification.js";
import { VerifyDialog } from "./VerifyDialog.js";

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function MembersPanel({ conv }: { conv: Conv }) {
  const me = useStore(chat, (s) => s.me?.id);
  const online = useStore(chat, (s) => s.online);
  const seen = useStore(chat, (s) => s.seen);
  const [title, setTitle] = useState(conv.title ?? "");
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [verifying, setVerifying] = useState<MemberView | null>(null);
  const verification = useVerification(conv, me);
  const group = conv.type === "group";
  const admin = group && RANK[conv.role] >= RANK.admin;
  const members = [...conv.members].sort(
    (a, b) => RANK[b.role] - RANK[a.role] || a.user.display_name.localeCompare(b.user.display_name),
  );

  async function rename(event: Event) {
    event.preventDefault();
    if (!title.trim() || title.trim() === conv.title) return;
    setBusy(true);
    await renameGroup(conv.id, title.trim());
    setBusy(false);
  }

  async function leave() {
    setBusy(true);
    if (await leaveGroup(conv.id)) navigate("#/", true);
    setBusy(false);
  }

  // No presence flows in a message request until it is accepted.
  const isOnline = (m: MemberView) =>
    m.user.id === me ? true : conv.request !== undefined ? false : (online[m.user.id] ?? m.online);

  return (
    <aside class="panel" aria-labelledby="panel-title">
      <header class="panel-head">
        <h2 id="panel-title">{group ? "Group info" : "Details"}</h2>
        <a class="icon-btn" href={chatHref(conv.id)} aria-label="Close details">
          <Icon name="close" />
        </a>
      </header>
      <div class="panel-body">
        {admin ? (
          <form class="inline-form" onSubmit={rename}>
            <label>
              Group name
              <input
                value={title}
                maxLength={100}
                required
                onInput={(e) => setTitle(e.currentTarget.value)}
              />
            </label>
            <button type="submit" disabled={busy || !title.trim() || title.trim() === conv.title}>
              Rename
            </button>
          </form>
        ) : (
          <p class="panel-title">{conversationTitle(conv, me)}</p>
        )}
        <RetentionSetting conv={conv} />
        <PinnedList conv={conv} />
        <h3>
          {members.length} member{members.length === 1 ? "" : "s"}
        </h3>
        <VerificationNotes verification={verification} members={members} />
        <ul class="members">
          {members.map((m) => {
            const on = isOnline(m);
            const removable = admin && m.user.id !== me && RANK[conv.role] > RANK[m.role];
            return (
              <li key={m.user.id} class="member">
                <Avatar id={m.user.id} name={m.user.display_name} online={on} size="sm" />
                <span class="member-info">
                  <span class="member-name">
                    {m.user.display_name}
                    {m.user.is_bot && <BotBadge />}
                    {m.user.id === me && " (you)"}
                  </span>
                  <span class="member-sub">
                    @{m.user.username} ·{" "}
                    {conv.request !== undefined && m.user.id !== me
                      ? "message request"
                      : on
                        ? "online"
                        : lastSeen(seen[m.user.id] ?? m.last_seen_at)}
                  </span>
                  <VerificationMark mark={verification.marks?.[m.user.id]} />
                </span>
                {m.role !== "member" && <span class="role">{m.role}</span>}
                <VerifyButton
                  member={m}
                  mark={verification.marks?.[m.user.id]}
                  onVerify={() => setVerifying(m)}
                />
                {m.user.id !== me && <BlockButton user={m.user} />}
                {removable && (
                  <button
                    type="button"
                    class="small"
                    disabled={busy}
                    aria-label={`Remove ${m.user.display_name}`}
                    onClick={() => void removeMember(conv.id, m.user.id)}
                  >
                    Remove
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        {verifying && me && (
          <VerifyDialog
            userId={me}
            contact={verifying.user}
            onVerified={verification.reload}
            onClose={() => setVerifying(null)}
          />
        )}
        {admin &&
          (adding ? (
            <div class="stack">
              <h3>Add members</h3>
              <UserSearch
                label="Search people to add"
                exclude={conv.members.map((m) => m.user.id)}
                actionLabel="Add"
                busy={busy}
                onPick={async (u) => {
                  setBusy(true);
                  await addMembers(conv.id, [u.id]);
                  setBusy(false);
                }}
              />
              <button type="button" onClick={() => setAdding(false)}>
                Done
              </button>
            </div>
          ) : (
            <button type="button" onClick={() => setAdding(true)}>
              Add members
            </button>
          ))}
        {group &&
          (leaving ? (
            <div class="confirm">
              <p>Leave this group? You will stop getting its messages.</p>
              <button type="button" class="danger" disabled={busy} onClick={leave}>
                Leave group
              </button>
              <button type="button" onClick={() => setLeaving(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" class="danger-outline" onClick={() => setLeaving(true)}>
              Leave group
            </button>
          ))}
      </div>
    </aside>
  );
}
