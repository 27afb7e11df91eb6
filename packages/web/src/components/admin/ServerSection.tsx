/** The admin console's server section (being written). */
export function ServerSection() {
  return <p>Server</p>;
}
