// The landing page's list of ports: a GET form for the filters, the page of rows, and
// links to the other pages. Every link keeps the filters; the form starts again at page 1.
import { ago, cell, count, escapeHtml, iso, problem, queryHref, table, tableRow, when } from './html.js';
import { MAX_LISTED, PORT_STATES, type LandingQuery } from './landing-query.js';
import type { LandingRows, PortRow, Verdict } from './landing-rows.js';

/** The text marker of each verdict: problems in capitals, so they stand out without colour. */
const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  exposed: problem('EXPOSED'),
  unreachable: problem('UNREACHABLE'),
  unexpected: problem('UNEXPECTED OPEN'),
  unchecked: 'could not check',
  ok: 'ok',
};

const COLUMNS = ['Verdict', 'Monitor', 'Host', 'IP', 'Port', 'Expected', 'State', 'Reason', 'Since', 'Last checked'];

const LEGEND =
  '<p>EXPOSED: expected closed, found open. ' +
  'UNREACHABLE: expected open, found closed, filtered, open|filtered (UDP: no answer) or not checkable. ' +
  'UNEXPECTED OPEN: declared by no monitor, found open by two discovery sweeps in a row.</p>\n';

function portRow(r: PortRow, now: number): string {
  const monitor = `<a href="${queryHref({ monitor: r.monitor })}">${escapeHtml(r.monitor)}</a>`;
  const host = `<a href="${queryHref({ monitor: r.monitor, host: r.host })}">${escapeHtml(r.host)}</a>`;
  const at = r.checkedAt;
  const checked = at === undefined ? 'by discovery' : `<span title="${iso(at)}">${ago(now - at)}</span>`;
  return tableRow(
    [
      cell('Verdict', VERDICT_TEXT[r.verdict]),
      cell('Monitor', monitor),
      cell('Host', host),
      cell('IP', r.ip === '' ? '(unresolved)' : escapeHtml(r.ip)),
      // As the config writes it: a plain number is TCP.
      cell('Port', r.protocol === 'udp' ? `${r.port}/udp` : String(r.port)),
      cell('Expected', r.expected ?? 'not declared'),
      cell('State', r.state),
      cell('Reason', escapeHtml(r.reason)),
      cell('Since', when(r.since, now)),
      cell('Last checked', checked),
    ],
    r.verdict === 'exposed' || r.verdict === 'unreachable' || r.verdict === 'unexpected',
  );
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
}

function select(name: string, values: readonly string[], chosen: string | undefined): string {
  const options = [option('', 'any', chosen === undefined), ...values.map((v) => option(v, v, v === chosen))];
  return `<select name="${name}">${options.join('')}</select>`;
}

function textField(name: string, value: string | undefined): string {
  return `<input name="${name}" value="${escapeHtml(value ?? '')}" placeholder="any">`;
}

/** Monitors as a list to choose from; a text field when there are too many to list. */
function filterForm(monitors: readonly string[], q: LandingQuery): string {
  const listed = monitors.length <= MAX_LISTED;
  const monitorField = listed ? select('monitor', monitors, q.monitor) : textField('monitor', q.monitor);
  return `<form method="get">
<label>Monitor ${monitorField}</label>
<label>Host ${textField('host', q.host)}</label>
<label>State ${select('state', PORT_STATES, q.state)}</label>
<button type="submit">Filter</button>
</form>
`;
}

function filterWords(q: LandingQuery): string {
  const words = [
    ...(q.monitor === undefined ? [] : [`monitor ${escapeHtml(q.monitor)}`]),
    ...(q.host === undefined ? [] : [`host ${escapeHtml(q.host)}`]),
    ...(q.state === undefined ? [] : [`state ${q.state}`]),
  ];
  return words.length === 0 ? '' : ` of ${words.join(', ')} (<a href="?">show all</a>)`;
}

/** First, previous, where we are, next, last: plain links that keep the filters. */
function pageLinks(rows: LandingRows, q: LandingQuery, pageSize: number): string {
  if (rows.pages === 1) return '';
  const to = (page: number, text: string, rel = ''): string =>
    `<a href="${queryHref({ monitor: q.monitor, host: q.host, state: q.state, page })}"${rel}>${text}</a>`;
  const first = (q.page - 1) * pageSize + 1;
  const last = Math.min(q.page * pageSize, rows.matched);
  const links = [
    ...(q.page > 1 ? [to(1, '« first'), to(q.page - 1, '‹ previous', ' rel="prev"')] : []),
    `<span>page ${q.page} of ${rows.pages} (rows ${first}-${last})</span>`,
    ...(q.page < rows.pages ? [to(q.page + 1, 'next ›', ' rel="next"'), to(rows.pages, 'last »')] : []),
  ];
  return `<nav class="pages" aria-label="Pages">${links.join(' ')}</nav>\n`;
}

export function portsSection(rows: LandingRows, q: LandingQuery, now: number, pageSize: number): string {
  const nav = pageLinks(rows, q, pageSize);
  const found = `<p>${count(rows.matched, 'port')}${filterWords(q)}, those not as expected first.</p>\n`;
  const list =
    rows.matched === 0
      ? '<p>No port matches these filters.</p>\n'
      : `${nav}${table(
          COLUMNS,
          rows.rows.map((r) => portRow(r, now)),
        )}${nav}`;
  return `<h2>Ports</h2>\n${LEGEND}${filterForm([...rows.monitors.keys()], q)}${found}${list}`;
}
