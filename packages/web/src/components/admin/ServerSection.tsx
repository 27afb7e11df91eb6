/**
 * The admin console's view of the server: version, engine, uptime, the cluster's nodes,
 * sockets, storage, and messages per day over the last 30 days (a chart, and the same
 * numbers as a table).
 */
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import { api } from "../../api.js";
import { duration, fullTime } from "../../format.js";
import { formatSize } from "../../state/uploads.js";
import { SectionState, useSectionData } from "./SectionData.js";
import { SectionTable } from "./SectionTable.js";
import { type DayCount, ServerChart } from "./ServerChart.js";

const ENGINES: Record<AdminServerResponse["database"], string> = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
};

const count = (n: number) => n.toLocaleString();

/** The figures as term and value, the push queue only when Web Push is on. */
function figures(s: AdminServerResponse): [string, string][] {
  const rows: [string, string][] = [
    ["Version", s.version],
    ["Database", ENGINES[s.database]],
    ["Uptime", duration(s.uptime_seconds)],
    ["Nodes", count(s.nodes.length)],
    ["Open sockets", count(s.sockets)],
    ["Database size", formatSize(s.database_bytes)],
    ["Uploaded files", `${count(s.uploads.files)} (${formatSize(s.uploads.bytes)})`],
    ["Event log", `${count(s.event_log.events)} events`],
  ];
  const queue = (term: string, q: { queued: number; oldest_at: number | null }) => {
    const since = q.oldest_at === null ? "" : `, oldest ${fullTime(q.oldest_at)}`;
    rows.push([term, `${count(q.queued)} waiting${since}`]);
  };
  if (s.push_queue) queue("Push queue", s.push_queue);
  if (s.webhook_queue) queue("Webhook queue", s.webhook_queue);
  return rows;
}

export function ServerSection() {
  const server = useSectionData(() => api.admin.server());
  const s = server.data;
  return (
    <>
      <SectionState {...server} />
      {s && (
        <>
          <section class="card" aria-labelledby="server-title">
            <div class="admin-inline">
              <h3 id="server-title" class="admin-grow">
                Server
              </h3>
              <button type="button" class="small" onClick={() => void server.reload()}>
                Refresh
              </button>
            </div>
            <dl class="admin-figures">
              {figures(s).map(([term, value]) => (
                <div key={term}>
                  <dt>{term}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          </section>
          <Activity days={s.messages_per_day} />
          <Nodes server={s} />
        </>
      )}
    </>
  );
}

function Activity({ days }: { days: DayCount[] }) {
  return (
    <section class="card" aria-labelledby="activity-title">
      <h3 id="activity-title">Messages per day, last 30 days</h3>
      <ServerChart days={days} />
      <details class="admin-more">
        <summary>The numbers as a table</summary>
        <SectionTable caption="Messages per day">
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Messages</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td>{count(d.messages)}</td>
              </tr>
            ))}
          </tbody>
        </SectionTable>
      </details>
    </section>
  );
}

function Nodes({ server }: { server: AdminServerResponse }) {
  return (
    <section class="card" aria-labelledby="nodes-title">
      <h3 id="nodes-title">Nodes</h3>
      <SectionTable caption="The cluster's live nodes">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Process</th>
            <th scope="col">Started</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {server.nodes.map((node) => (
            <tr key={node.id}>
              <td>
                {node.hostname}
                {node.id === server.node_id && <span class="muted"> (this node)</span>}
              </td>
              <td>{node.pid}</td>
              <td>{fullTime(node.started_at)}</td>
              <td>{fullTime(node.last_seen_at)}</td>
            </tr>
          ))}
        </tbody>
      </SectionTable>
    </section>
  );
}
