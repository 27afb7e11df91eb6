/**
 * The admin console's audit log: who did what to which account, invite or setting,
 * newest first, narrowed by the filters and paged back with "Older entries".
 */
import type { AuditEntryView } from "@private-chat/protocol/admin";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "../../api.js";
import { fullTime } from "../../format.js";
import { type AuditFilter, AuditFilters } from "./AuditFilters.js";
import { SectionTable } from "./SectionTable.js";

const PAGE = 50;
const SUMMARY_LENGTH = 160;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** One detail as words: times as dates, a change as "from → to", a record as its fields. */
function shown(key: string, v: unknown): string {
  if (typeof v === "number" && key.endsWith("_at")) return fullTime(v);
  if (typeof v === "string") return v;
  if (!isRecord(v)) return JSON.stringify(v);
  if ("from" in v && "to" in v) return `${shown(key, v.from)} → ${shown(key, v.to)}`;
  return fields(v);
}

function fields(record: Record<string, unknown>): string {
  return Object.entries(record)
    .map(([key, v]) => `${key}: ${shown(key, v)}`)
    .join("; ");
}

/** The details on one line, cut short when long; a wrapper such as `changes` is left out. */
function summary(details: Record<string, unknown>): string {
  const values = Object.values(details);
  const only = values.length === 1 ? values[0] : undefined;
  const line = isRecord(only) && !("from" in only) ? fields(only) : fields(details);
  return line.length > SUMMARY_LENGTH ? `${line.slice(0, SUMMARY_LENGTH - 1)}…` : line;
}

export function AuditSection() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntryView[] | null>(null);
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  /** The page after `before` (the first page without it), added to `shown`. */
  async function load(shown: AuditEntryView[], before?: number) {
    // Only the latest request shows: an answer for filters since replaced is dropped.
    const request = ++latest.current;
    setBusy(true);
    let page: AuditEntryView[] | undefined;
    let failure: string | null = null;
    try {
      page = await api.admin.audit({ ...filter, limit: PAGE, before });
    } catch (err) {
      failure = errorText(err);
    }
    if (request !== latest.current) return;
    if (page) {
      setEntries([...shown, ...page]);
      setMore(page.length === PAGE);
    }
    setError(failure);
    setBusy(false);
  }
  // A new filter starts again from the newest entry.
  useEffect(() => void load([]), [filter]);

  const last = entries?.[entries.length - 1];
  return (
    <>
      <AuditFilters onApply={setFilter} />
      <section class="card" aria-labelledby="audit-title" aria-busy={busy}>
        <h3 id="audit-title">Audit log</h3>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {entries === null && !error && <p class="muted">Loading…</p>}
        {entries?.length === 0 && <p class="muted">No entries.</p>}
        {entries && entries.length > 0 && <AuditTable entries={entries} />}
        {more && last && (
          <button type="button" disabled={busy} onClick={() => void load(entries ?? [], last.id)}>
            Older entries
          </button>
        )}
      </section>
    </>
  );
}

function AuditTable({ entries }: { entries: AuditEntryView[] }) {
  return (
    <SectionTable caption="Audit entries, newest first" stacked>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id}>
            <td data-label="Time">{fullTime(entry.at)}</td>
            <td data-label="Actor">{entry.actor_label}</td>
            <td data-label="Action">
              <code>{entry.action}</code>
            </td>
            <td data-label="Target">
              <span>
                {entry.target_type}
                {entry.target_id && <span class="muted admin-id"> {entry.target_id}</span>}
              </span>
            </td>
            <td data-label="Details" class="admin-details">
              {summary(entry.details)}
            </td>
          </tr>
        ))}
      </tbody>
    </SectionTable>
  );
}
