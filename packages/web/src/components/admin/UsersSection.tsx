/** The admin console's users section (being written). */
export function UsersSection() {
  return <p>Users</p>;
}
