/**
 * The admin console: one page with a tab per section (users, invites, the audit log, the
 * server, settings). Only administrators see its entry; anyone else who opens #/admin is
 * told so without a call, and the API would refuse them anyway.
 */

import { type AdminSection, adminHref } from "../../router.js";
import { chat } from "../../state/chat.js";
import { useStore } from "../../state/store.js";
import { PageHead } from "../PageHead.js";
import { AuditSection } from "./AuditSection.js";
import { InvitesSection } from "./InvitesSection.js";
import { ServerSection } from "./ServerSection.js";
import { SettingsSection } from "./SettingsSection.js";
import { UsersSection } from "./UsersSection.js";

const LABELS: Record<AdminSection, string> = {
  users: "Users",
  invites: "Invites",
  audit: "Audit log",
  server: "Server",
  settings: "Settings",
};

function SectionBody({ section }: { section: AdminSection }) {
  switch (section) {
    case "users":
      return <UsersSection />;
    case "invites":
      return <InvitesSection />;
    case "audit":
      return <AuditSection />;
    case "server":
      return <ServerSection />;
    case "settings":
      return <SettingsSection />;
  }
}

export function AdminPage({ section }: { section: AdminSection }) {
  const isAdmin = useStore(chat, (s) => s.me?.is_admin === true);
  return (
    <section class="page admin" aria-labelledby="admin-title">
      <PageHead id="admin-title" title="Administration" />
      {isAdmin ? (
        <>
          <nav class="admin-tabs" aria-label="Console sections">
            {(Object.keys(LABELS) as AdminSection[]).map((name) => (
              <a
                key={name}
                href={adminHref(name)}
                class={name === section ? "admin-tab active" : "admin-tab"}
                aria-current={name === section ? "page" : undefined}
              >
                {LABELS[name]}
              </a>
            ))}
          </nav>
          <div class="page-body admin-body">
            <SectionBody key={section} section={section} />
          </div>
        </>
      ) : (
        <div class="page-body">
          <p class="card" role="alert">
            Only administrators can open the console.
          </p>
        </div>
      )}
    </section>
  );
}
