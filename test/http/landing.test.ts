import { describe, expect, it } from 'vitest';
import { ago, count, escapeHtml } from '../../src/http/html.js';
import { renderLanding } from '../../src/http/landing.js';
import { ALL_PORTS, LandingQueryError, type LandingQuery } from '../../src/http/landing-query.js';
import { portKey } from '../../src/config/port-keys.js';
import { PortStore, targetId } from '../../src/state/store.js';
import { filledStore, monitor, NOW, result } from '../metrics/fixture.js';
import { hrefs, portRows, section, tableRows } from './landing-html.js';

const INFO = { version: '1.2.3', configFile: '/etc/portwatch.yaml', startedAt: NOW - 90_000, listenAddress: ':9798' };
const query = (q: Partial<LandingQuery>): LandingQuery => ({ ...ALL_PORTS, ...q });
const page = (store: PortStore, q: Partial<LandingQuery> = {}, pageSize?: number) =>
  renderLanding(store, INFO, NOW, query(q), pageSize);

// filledStore, sorted as the page lists it: problems first, then by monitor, host, port, address.
const FILLED = [
  ['EXPOSED', 'web', '2001:db8::1', '2001:db8::1', '22', 'closed', 'open'],
  ['UNREACHABLE', 'web', 'web1.example', '2001:db8::10', '443', 'open', 'filtered'],
  ['could not check', 'db', 'db.example', '(unresolved)', '5432', 'closed', 'error'],
  ['ok', 'web', '2001:db8::1', '2001:db8::1', '443', 'open', 'open'],
  ['ok', 'web', 'web1.example', '192.0.2.10', '22', 'closed', 'closed'],
  ['ok', 'web', 'web1.example', '192.0.2.10', '443', 'open', 'open'],
];

describe('renderLanding: the page', () => {
  it('shows who we are and links to the other endpoints', () => {
    const html = page(filledStore());
    expect(html).toContain('<li>Version: 1.2.3</li>');
    expect(html).toContain('<li>Config file: /etc/portwatch.yaml</li>');
    expect(html).toContain('(1m ago)</li>');
    for (const href of ['metrics', '-/healthy', '-/ready']) expect(hrefs(html)).toContain(href);
  });

  it('fits a phone and needs nothing else: viewport, inline style and icon, no script, no outside link', () => {
    const html = page(filledStore());
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,%3Csvg/);
    expect(html).not.toMatch(/<script|<img|<iframe|@import|url\(/);
    const outside = hrefs(html).filter(
      (h) => !h.startsWith('?') && !h.startsWith('data:') && !['metrics', '-/healthy', '-/ready'].includes(h),
    );
    expect(outside).toEqual([]);
  });

  it('sums up in words, with plurals that agree, and says problems in the title', () => {
    const html = page(filledStore());
    expect(html).toContain(
      '<p>3 monitors, 6 targets, 6 addresses checked: <strong class="problem">2 ports not as expected</strong>.</p>',
    );
    expect(html).toContain('<title>portwatch: 2 problems</title>');
    const one = new PortStore();
    one.setTargets([monitor('solo', ['h.example'], [80], [])]);
    one.record(targetId('solo', 'h.example', 80), [result('192.0.2.1', 'open', 'syn-ack')], NOW);
    const single = page(one);
    expect(single).toContain('<p>1 monitor, 1 target, 1 address checked: all as expected.</p>');
    expect(single).toContain('<title>portwatch</title>');
    expect(single).toContain('<p>1 port, those not as expected first.</p>');
  });

  it('counts the ports of each monitor by state, problems first, each count a link to those ports', () => {
    const rows = tableRows(section(page(filledStore()), 'Monitors'));
    expect(
      rows.map((r) => [
        r.problem,
        r.cells['Monitor'],
        r.cells['Verdict'],
        r.cells['Targets'],
        r.cells['Open'],
        r.cells['Closed'],
        r.cells['Filtered'],
        r.cells['Error'],
        r.cells['Not as expected'],
      ]),
    ).toEqual([
      [true, 'web', '2 PROBLEMS', '4', '3', '1', '1', '0', '2'],
      [false, 'db', 'ok', '1', '0', '0', '0', '1', '0'],
      [false, 'quiet', 'ok', '1', '0', '0', '0', '0', '0'],
    ]);
    expect(rows[0]!.html['Filtered']).toBe('<a href="?monitor=web&amp;state=filtered">1</a>');
    expect(rows[0]!.html['Monitor']).toBe('<a href="?monitor=web">web</a>');
  });

  it('lists problems first, each marked in text, then by monitor, host, port and address', () => {
    const html = page(filledStore());
    expect(portRows(html)).toEqual(FILLED);
    expect(tableRows(section(html, 'Ports')).map((r) => r.problem)).toEqual([true, true, false, false, false, false]);
    expect(html).toContain(
      'EXPOSED: expected closed, found open. UNREACHABLE: expected open, found closed, filtered, open|filtered ' +
        '(UDP: no answer) or not checkable.',
    );
  });

  it('shows reason, since (ISO and relative) and last check, and links monitor and host to their ports', () => {
    const row = tableRows(section(page(filledStore()), 'Ports'))[3]!;
    expect(row.cells['Reason']).toBe('syn-ack');
    expect(row.html['Since']).toBe(
      '<time datetime="2023-11-14T20:13:20.000Z">2023-11-14T20:13:20.000Z</time> (2h ago)',
    );
    expect(row.html['Last checked']).toBe('<span title="2023-11-14T20:13:20.000Z">2h ago</span>');
    expect(row.html['Host']).toBe('<a href="?monitor=web&amp;host=2001%3Adb8%3A%3A1">2001:db8::1</a>');
  });

  it('renders with nothing configured', () => {
    const html = page(new PortStore());
    expect(html).toContain('<p>0 monitors, 0 targets, 0 addresses checked: all as expected.</p>');
    expect(html).toContain('<p>No port matches these filters.</p>');
  });
});

describe('renderLanding: pages and filters', () => {
  it('pages the list, problems first across pages, with links that keep the filters', () => {
    const pages = [1, 2, 3].map((p) => page(filledStore(), { page: p }, 2));
    expect(pages.flatMap(portRows)).toEqual(FILLED);
    expect(pages[1]).toContain('<span>page 2 of 3 (rows 3-4)</span>');
    expect(hrefs(pages[1]!)).toEqual(expect.arrayContaining(['?page=1', '?page=3']));
    expect(pages[1]).toContain('<a href="?page=3" rel="next">next ›</a>');
    const filtered = page(filledStore(), { monitor: 'web', page: 2 }, 2);
    expect(portRows(filtered).map((r) => `${r[2]} ${r[4]}`)).toEqual(['2001:db8::1 443', 'web1.example 22']);
    expect(hrefs(filtered)).toEqual(expect.arrayContaining(['?monitor=web&page=1', '?monitor=web&page=3']));
    expect(page(filledStore())).not.toContain('<nav class="pages"');
  });

  it('gives the same list at any page size, whichever end each page is chosen from', () => {
    for (const size of [1, 2, 3, 4, 5, 6, 7]) {
      const pages = Math.ceil(FILLED.length / size);
      const all = Array.from({ length: pages }, (_, i) => portRows(page(filledStore(), { page: i + 1 }, size)));
      expect(all.flat(), `page size ${size}`).toEqual(FILLED);
    }
  });

  it('refuses a page past the last, saying which is the last', () => {
    expect(() => page(filledStore(), { page: 4 }, 2)).toThrow(
      new LandingQueryError('page: 4 is past the last page, 3'),
    );
    expect(() => page(new PortStore(), { page: 2 })).toThrow(new LandingQueryError('page: 2 is past the last page, 1'));
  });

  it('filters by monitor, host and state, says so, and offers to show all', () => {
    const byHost = page(filledStore(), { monitor: 'web', host: 'web1.example' });
    expect(portRows(byHost).map((r) => `${r[3]} ${r[4]}`)).toEqual([
      '2001:db8::10 443',
      '192.0.2.10 22',
      '192.0.2.10 443',
    ]);
    expect(byHost).toContain(
      '<p>3 ports of monitor web, host web1.example (<a href="?">show all</a>), those not as expected first.</p>',
    );
    expect(portRows(page(filledStore(), { state: 'open' })).map((r) => r[0])).toEqual(['EXPOSED', 'ok', 'ok']);
    const none = page(filledStore(), { monitor: 'quiet' });
    expect(none).toContain('<p>No port matches these filters.</p>');
    // The counts stay those of every port, whatever the filters.
    expect(tableRows(section(none, 'Monitors'))).toHaveLength(3);
  });

  it('fills the filter form with the filters in use, so that the next search starts from them', () => {
    const html = page(filledStore(), { monitor: 'db', host: 'db.example', state: 'error' });
    expect(html).toContain('<option value="db" selected>db</option>');
    expect(html).toContain('<input name="host" value="db.example" placeholder="any">');
    expect(html).toContain('<option value="error" selected>error</option>');
    expect(html).toContain('<form method="get">');
  });

  it('keeps a 100,000-target page small: one page of rows, counts for the rest', () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => `host-${i}.example`);
    const ports = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const store = new PortStore();
    store.setTargets([monitor('big', hosts, ports.slice(0, 50), ports.slice(50))]);
    for (const t of store.targets().values())
      store.record(t.id, [result('192.0.2.7', t.port < 1050 || t.port === 1075 ? 'open' : 'closed', 'syn-ack')], NOW);
    const html = page(store);
    expect(Buffer.byteLength(html)).toBeLessThan(100_000);
    const rows = portRows(html);
    expect(rows).toHaveLength(100);
    // Every host's port 1075 is exposed: those come first, in host order.
    expect(rows.every((r) => r[0] === 'EXPOSED' && r[4] === '1075')).toBe(true);
    expect(rows.map((r) => r[2])).toEqual([...hosts].sort().slice(0, 100));
    expect(html).toContain('<span>page 1 of 1000 (rows 1-100)</span>');
    const last = portRows(page(store, { page: 1000 }));
    expect(last.at(-1)).toEqual(['ok', 'big', [...hosts].sort().at(-1), '192.0.2.7', '1099', 'closed', 'closed']);
  });
});

describe('renderLanding: discovery and service discovery', () => {
  const discover = { ports: [9200, 6379], intervalMs: 3_600_000, allow: [] };

  it('lists unexpected open ports among the problems, and counts them per monitor', () => {
    const store = new PortStore();
    store.setTargets([{ ...monitor('lab', ['lab<1>.example'], [443], []), discover }]);
    store.record(targetId('lab', 'lab<1>.example', 443), [result('192.0.2.40', 'open', 'syn-ack')], NOW);
    for (const t of [NOW - 60_000, NOW - 30_000])
      store.discovery.recordSweep('lab', 'lab<1>.example', [{ ip: '192.0.2.40', open: [9200], errors: [] }], t, 1);
    const html = page(store);
    expect(portRows(html)).toEqual([
      ['UNEXPECTED OPEN', 'lab', 'lab&lt;1&gt;.example', '192.0.2.40', '9200', 'not declared', 'open'],
      ['ok', 'lab', 'lab&lt;1&gt;.example', '192.0.2.40', '443', 'open', 'open'],
    ]);
    expect(html).toContain('1 address checked: <strong class="problem">1 unexpected open port</strong>.');
    expect(tableRows(section(html, 'Monitors'))[0]!.cells['Unexpected open']).toBe('1');
    expect(portRows(page(store, { state: 'closed' }))).toEqual([]);
  });

  it('writes a UDP port as the config does, beside the TCP one of the same port, and filters by open|filtered', () => {
    const store = new PortStore();
    const udp = (port: number): number => portKey('udp', port);
    const m = monitor('dns', ['ns.example'], [53, udp(53)], [udp(161)]);
    store.setTargets([{ ...m, discover: { ports: [udp(11211)], intervalMs: 3_600_000, allow: [] } }]);
    store.record(targetId('dns', 'ns.example', 53), [result('192.0.2.53', 'open', 'syn-ack')], NOW);
    store.record(targetId('dns', 'ns.example', 53, 'udp'), [result('192.0.2.53', 'open|filtered', 'no-response')], NOW);
    store.record(
      targetId('dns', 'ns.example', 161, 'udp'),
      [result('192.0.2.53', 'open|filtered', 'no-response')],
      NOW,
    );
    for (const t of [NOW - 60_000, NOW - 30_000])
      store.discovery.recordSweep('dns', 'ns.example', [{ ip: '192.0.2.53', open: [udp(11211)], errors: [] }], t, 1);
    expect(portRows(page(store))).toEqual([
      // Expected open and silent: unreachable. Expected closed and silent: as expected.
      ['UNREACHABLE', 'dns', 'ns.example', '192.0.2.53', '53/udp', 'open', 'open|filtered'],
      ['UNEXPECTED OPEN', 'dns', 'ns.example', '192.0.2.53', '11211/udp', 'not declared', 'open'],
      ['ok', 'dns', 'ns.example', '192.0.2.53', '53', 'open', 'open'],
      ['ok', 'dns', 'ns.example', '192.0.2.53', '161/udp', 'closed', 'open|filtered'],
    ]);
    expect(portRows(page(store, { state: 'open|filtered' })).map((r) => r[4])).toEqual(['53/udp', '161/udp']);
  });

  it('lists service-discovery sources, failing ones first and marked, with plurals', () => {
    const sd = () => [
      {
        monitor: 'web',
        mechanism: 'file' as const,
        source: '/etc/pw/targets/a.json',
        hosts: 12,
        ok: true,
        failures: 0,
        lastSuccessMs: NOW - 30_000,
      },
      {
        monitor: 'web',
        mechanism: 'http' as const,
        source: 'http://cmdb.example/t?x=<b>',
        hosts: 3,
        ok: false,
        failures: 1,
        lastSuccessMs: undefined,
      },
    ];
    const html = renderLanding(filledStore(), { ...INFO, sd }, NOW);
    expect(html).toContain('<h2>Service discovery</h2>\n<p>2 sources, 1 failing.</p>');
    expect(
      tableRows(section(html, 'Service discovery')).map((r) => [
        r.problem,
        r.cells['Source'],
        r.cells['Last read'],
        r.cells['Last good read'],
      ]),
    ).toEqual([
      [true, 'http://cmdb.example/t?x=&lt;b&gt;', 'FAILED (1 failure so far; last good hosts kept)', 'never'],
      [false, '/etc/pw/targets/a.json', 'ok', '2023-11-14T22:12:50.000Z (30s ago)'],
    ]);
    expect(renderLanding(filledStore(), { ...INFO, sd: () => [sd()[0]!] }, NOW)).toContain(
      '<p>1 source, 0 failing.</p>',
    );
    expect(page(filledStore())).not.toContain('Service discovery');
  });
});

describe('renderLanding: escaping', () => {
  it('escapes everything that comes from the config', () => {
    const store = new PortStore();
    store.setTargets([monitor('<script>alert("x")</script>', ['h.example'], [80], [])]);
    store.record(
      targetId('<script>alert("x")</script>', 'h.example', 80),
      [result('192.0.2.1', 'closed', 'conn-refused')],
      NOW,
    );
    const html = renderLanding(store, { ...INFO, configFile: '/tmp/a&b<c>.yaml' }, NOW, query({ host: '"><b>' }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('/tmp/a&amp;b&lt;c&gt;.yaml');
    expect(html).toContain('value="&quot;&gt;&lt;b&gt;"');
  });
});

describe('helpers', () => {
  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it.each([
    [0, 'monitor', '0 monitors'],
    [1, 'monitor', '1 monitor'],
    [1, 'address', '1 address'],
    [2, 'address', '2 addresses'],
    [100_000, 'target', '100,000 targets'],
  ])('count(%d, %s) = %s', (n, noun, want) => {
    expect(count(n, noun)).toBe(want);
  });

  it.each([
    [-5, '0s ago'],
    [999, '0s ago'],
    [59_000, '59s ago'],
    [60_000, '1m ago'],
    [3_599_000, '59m ago'],
    [7_200_000, '2h ago'],
    [47 * 3_600_000, '47h ago'],
    [72 * 3_600_000, '3d ago'],
  ])('ago(%d) = %s', (ms, want) => {
    expect(ago(ms)).toBe(want);
  });
});
