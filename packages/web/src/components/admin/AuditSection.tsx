/** The admin console's audit section (being written). */
export function AuditSection() {
  return <p>Audit</p>;
}
