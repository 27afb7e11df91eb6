/** The admin console's invites section (being written). */
export function InvitesSection() {
  return <p>Invites</p>;
}
