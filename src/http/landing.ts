/**
 * The landing page: what this exporter is and what it currently believes about every
 * port, violations first. A pure function of the store so it is tested without a server.
 */
import type { MonitorSourceStatus } from '../sd/service-discovery.js';
import type { PortStore } from '../state/store.js';
import type { PortRecord } from '../state/target-entry.js';
import { isViolation } from '../types.js';

export interface LandingInfo {
  version: string;
  configFile: string;
  /** Epoch ms. */
  startedAt: number;
  listenAddress: string;
  /** The service-discovery files and endpoints now; absent or empty: none. */
  sd?: () => readonly MonitorSourceStatus[];
}

/** A page of 100k rows helps nobody and costs the browser; violations are listed first, so never cut before the rest. */
export const MAX_ROWS = 2_000;

const HTML_SPECIAL = /[&<>"']/g;
const HTML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (c) => HTML_ENTITY[c] ?? c);
}

/** "45s ago", "12m ago", "5h ago", "3d ago": enough to spot a stale or flapping port. */
export function ago(elapsedMs: number): string {
  const s = Math.max(0, Math.floor(elapsedMs / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Row {
  r: PortRecord;
  violation: boolean;
}

function byViolationThenTarget(x: Row, y: Row): number {
  if (x.violation !== y.violation) return x.violation ? -1 : 1;
  const { r: a } = x;
  const { r: b } = y;
  return compare(a.monitor, b.monitor) || compare(a.host, b.host) || a.port - b.port || compare(a.ip, b.ip);
}

function when(ms: number, now: number): string {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso}</time> (${ago(now - ms)})`;
}

function row({ r, violation }: Row, now: number): string {
  const cells = [r.monitor, r.host, r.ip === '' ? '(unresolved)' : r.ip, String(r.port), r.expected, r.state, r.reason].map(escapeHtml);
  const checked = new Date(r.checkedAt).toISOString();
  return (
    `<tr${violation ? ' class="violation"' : ''}>` +
    cells.map((c) => `<td>${c}</td>`).join('') +
    `<td>${when(r.changedAt, now)}</td><td title="${checked}">${ago(now - r.checkedAt)}</td></tr>`
  );
}

/** The unexpected open ports found by discovery sweeps; nothing when no monitor has discovery. */
function unexpectedSection(store: PortStore, now: number): string {
  if (store.discovery.monitors().length === 0) return '';
  const found = store.discovery.unexpected();
  const rows = found
    .slice(0, MAX_ROWS)
    .map((u) => `<tr class="violation">${[u.monitor, u.host, u.ip, String(u.port)].map((c) => `<td>${escapeHtml(c)}</td>`).join('')}<td>${when(u.since, now)}</td></tr>`);
  const body =
    found.length === 0
      ? '<p>None: discovery sweeps found no open port that is neither expected open nor allowed.</p>\n'
      : `<table>
<thead><tr><th>Monitor</th><th>Host</th><th>IP</th><th>Port</th><th>Since</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
`;
  return `<h2>Unexpected open ports</h2>\n<p>${found.length} found open by two discovery sweeps in a row, neither expected open nor allowed.</p>\n${body}`;
}

/** Where discovered hosts come from and whether the last read worked; nothing when no monitor uses service discovery. */
function sdSection(sources: readonly MonitorSourceStatus[], now: number): string {
  if (sources.length === 0) return '';
  const failing = sources.filter((s) => !s.ok).length;
  const rows = sources.map((s) => {
    const cells = [s.monitor, s.mechanism, s.source, String(s.hosts), s.ok ? 'ok' : `failed (${s.failures} failures so far; last good hosts kept)`].map(escapeHtml);
    const last = s.lastSuccessMs === undefined ? 'never' : when(s.lastSuccessMs, now);
    return `<tr${s.ok ? '' : ' class="violation"'}>${cells.map((c) => `<td>${c}</td>`).join('')}<td>${last}</td></tr>`;
  });
  return `<h2>Service discovery</h2>
<p>${sources.length} sources, ${failing} failing.</p>
<table>
<thead><tr><th>Monitor</th><th>Kind</th><th>Source</th><th>Hosts</th><th>Last read</th><th>Last good read</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
`;
}

export function renderLanding(store: PortStore, info: LandingInfo, now: number, maxRows: number = MAX_ROWS): string {
  const rows: Row[] = [];
  let violations = 0;
  for (const r of store.records()) {
    const violation = isViolation(r.expected, r.state);
    if (violation) violations += 1;
    rows.push({ r, violation });
  }
  rows.sort(byViolationThenTarget);
  const shown = rows.slice(0, maxRows);
  const left = rows.length - shown.length;
  const targets = [...store.targetCounts().values()].reduce((n, c) => n + c, 0);
  const started = new Date(info.startedAt).toISOString();

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>portwatch</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; }
table { border-collapse: collapse; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
tr.violation { background: #fdd; }
</style>
</head>
<body>
<h1>portwatch</h1>
<p>Prometheus exporter of TCP port states.</p>
<ul>
<li>Version: ${escapeHtml(info.version)}</li>
<li>Config file: ${escapeHtml(info.configFile)}</li>
<li>Listening on: ${escapeHtml(info.listenAddress)}</li>
<li>Started: <time datetime="${started}">${started}</time> (${ago(now - info.startedAt)})</li>
</ul>
<p><a href="metrics">Metrics</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></p>
${unexpectedSection(store, now)}${sdSection(info.sd?.() ?? [], now)}<h2>Ports</h2>
<p>${store.monitors().length} monitors, ${targets} targets, ${rows.length} addresses checked, ${violations} not as expected.</p>
<table>
<thead><tr><th>Monitor</th><th>Host</th><th>IP</th><th>Port</th><th>Expected</th><th>State</th><th>Reason</th><th>Since</th><th>Last checked</th></tr></thead>
<tbody>
${shown.map((x) => row(x, now)).join('\n')}
</tbody>
</table>
${left > 0 ? `<p>${left} more addresses not shown (the first ${shown.length} are listed, violations first).</p>\n` : ''}</body>
</html>
`;
}
