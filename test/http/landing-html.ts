// Reading the landing page's HTML in tests: the rows of a section's table by column label,
// as text, and the links of the page.

export interface PageRow {
  /** Marked as a problem (the row's class). */
  problem: boolean;
  /** Cell text by its column label, tags removed, entities kept. */
  cells: Record<string, string>;
  /** The cells' inner HTML by label. */
  html: Record<string, string>;
}

/** The part of the page from `<h2>title</h2>` to the next <h2> or the end. */
export function section(html: string, title: string): string {
  const start = html.indexOf(`<h2>${title}</h2>`);
  if (start < 0) return '';
  const next = html.indexOf('<h2>', start + 4);
  return html.slice(start, next < 0 ? undefined : next);
}

export function tableRows(html: string): PageRow[] {
  return [...html.matchAll(/<tr( class="problem")?>(.*?)<\/tr>/g)]
    .filter((m) => !m[2]!.includes('<th>'))
    .map((m) => {
      const cells: Record<string, string> = {};
      const inner: Record<string, string> = {};
      for (const c of m[2]!.matchAll(/<td(?: class="n")? data-label="([^"]*)">(.*?)<\/td>/g)) {
        inner[c[1]!] = c[2]!;
        cells[c[1]!] = c[2]!.replace(/<[^>]*>/g, '');
      }
      return { problem: m[1] !== undefined, cells, html: inner };
    });
}

/** The port rows of the page as [verdict, monitor, host, ip, port, expected, state]. */
export function portRows(html: string): string[][] {
  return tableRows(section(html, 'Ports')).map((r) =>
    ['Verdict', 'Monitor', 'Host', 'IP', 'Port', 'Expected', 'State'].map((l) => r.cells[l]!),
  );
}

/** Every href of the page, entities decoded. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}
