/**
 * Messages per day as a plain SVG bar chart: one <rect> a day, scaled to the busiest day.
 * The picture has a name and a summary; the numbers themselves are in a table beside it.
 */

export interface DayCount {
  day: string;
  messages: number;
}

const WIDTH = 600;
const HEIGHT = 160;
const GAP = 2;

export function ServerChart({ days }: { days: DayCount[] }) {
  const busiest = Math.max(0, ...days.map((d) => d.messages));
  const top = Math.max(1, busiest);
  const total = days.reduce((sum, d) => sum + d.messages, 0);
  const slot = WIDTH / Math.max(1, days.length);
  const plot = HEIGHT - 1;
  const first = days[0]?.day ?? "";
  const last = days[days.length - 1]?.day ?? "";
  return (
    <div class="admin-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="chart-title"
        aria-describedby="chart-desc"
      >
        <title id="chart-title">Messages per day</title>
        <desc id="chart-desc">
          {`${total} messages from ${first} to ${last}; the busiest day had ${busiest}.`}
        </desc>
        <line class="admin-chart-axis" x1={0} x2={WIDTH} y1={plot + 0.5} y2={plot + 0.5} />
        {days.map((d, i) => {
          const height = (d.messages / top) * plot;
          return (
            <rect
              key={d.day}
              class="admin-chart-bar"
              x={i * slot + GAP / 2}
              y={plot - height}
              width={slot - GAP}
              height={height}
            />
          );
        })}
      </svg>
      {/* In HTML, not SVG text, so the labels keep their size however wide the chart is. */}
      <div class="admin-chart-days" aria-hidden="true">
        <span>{first}</span>
        <span>{last}</span>
      </div>
    </div>
  );
}
