// Small pieces of HTML writing shared by the pages portwatch serves.

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

const PLURALS: Readonly<Record<string, string>> = { address: 'addresses' };

/** "1 monitor", "2 monitors", "1 address", "3 addresses", with thousands separated. */
export function count(n: number, noun: string): string {
  return `${num(n)} ${n === 1 ? noun : (PLURALS[noun] ?? `${noun}s`)}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An ISO time in a <time> element, followed by how long ago it was. */
export function when(ms: number, now: number): string {
  return `<time datetime="${iso(ms)}">${iso(ms)}</time> (${ago(now - ms)})`;
}

/**
 * A link relative to the page itself ("?monitor=web&page=2"), so the page works behind a
 * path prefix; parameters without a value are left out. An empty query ("?") clears them.
 */
export function queryHref(params: Readonly<Record<string, string | number | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return escapeHtml(`?${q.toString()}`);
}

/** A table cell labelled with its column, which narrow screens show in front of the value. */
export function cell(label: string, html: string, numeric = false): string {
  return `<td${numeric ? ' class="n"' : ''} data-label="${label}">${html}</td>`;
}

export function tableRow(cells: readonly string[], problem: boolean): string {
  return `<tr${problem ? ' class="problem"' : ''}>${cells.join('')}</tr>`;
}

/** A table of rows whose cells carry the labels of `columns`. */
export function table(columns: readonly string[], rows: readonly string[]): string {
  const head = columns.map((c) => `<th>${c}</th>`).join('');
  return `<table class="rows">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n`;
}

/** A thousands-separated number. */
export function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** Text that marks a problem: in capitals where it is a verdict, so it reads without colour too. */
export function problem(text: string): string {
  return `<strong class="problem">${text}</strong>`;
}
