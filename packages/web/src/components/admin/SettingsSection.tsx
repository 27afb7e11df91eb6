/** The admin console's settings section (being written). */
export function SettingsSection() {
  return <p>Settings</p>;
}
