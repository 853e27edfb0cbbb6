import { describe, expect, it } from 'vitest';
import { ago, escapeHtml, renderLanding } from '../../src/http/landing.js';
import { PortStore, targetId } from '../../src/state/store.js';
import { filledStore, monitor, NOW, result } from '../metrics/fixture.js';

const INFO = { version: '1.2.3', configFile: '/etc/portwatch.yaml', startedAt: NOW - 90_000, listenAddress: ':9798' };

/** The table rows, as their visible cell texts. */
function rows(html: string): { violation: boolean; cells: string[] }[] {
  return [...html.matchAll(/<tr( class="violation")?>(.*?)<\/tr>/g)]
    .filter((m) => !m[2]!.includes('<th>'))
    .map((m) => ({ violation: m[1] !== undefined, cells: [...m[2]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!) }));
}

describe('renderLanding', () => {
  it('shows who we are and links to the other endpoints', () => {
    const html = renderLanding(filledStore(), INFO, NOW);
    expect(html).toContain('Version: 1.2.3');
    expect(html).toContain('Config file: /etc/portwatch.yaml');
    expect(html).toContain('(1m ago)');
    for (const href of ['metrics', '-/healthy', '-/ready']) expect(html).toContain(`href="${href}"`);
    expect(html).toContain('3 monitors, 6 targets, 6 addresses checked, 2 not as expected.');
  });

  it('lists violations first, then by monitor, host and port', () => {
    const listed = rows(renderLanding(filledStore(), INFO, NOW));
    expect(listed.map((r) => [r.violation, ...r.cells.slice(0, 6)])).toEqual([
      [true, 'web', '2001:db8::1', '2001:db8::1', '22', 'closed', 'open'],
      [true, 'web', 'web1.example', '2001:db8::10', '443', 'open', 'filtered'],
      [false, 'db', 'db.example', '(unresolved)', '5432', 'closed', 'error'],
      [false, 'web', '2001:db8::1', '2001:db8::1', '443', 'open', 'open'],
      [false, 'web', 'web1.example', '192.0.2.10', '22', 'closed', 'closed'],
      [false, 'web', 'web1.example', '192.0.2.10', '443', 'open', 'open'],
    ]);
  });

  it('shows reason, since (ISO and relative) and last check', () => {
    const row = rows(renderLanding(filledStore(), INFO, NOW)).find((r) => r.cells[1] === '2001:db8::1' && r.cells[3] === '443')!;
    expect(row.cells[6]).toBe('syn-ack');
    expect(row.cells[7]).toBe('<time datetime="2023-11-14T20:13:20.000Z">2023-11-14T20:13:20.000Z</time> (2h ago)');
    expect(row.cells[8]).toBe('2h ago');
  });

  it('caps the rows, never cutting a violation before the rest, and says how many it left out', () => {
    const html = renderLanding(filledStore(), INFO, NOW, 3);
    const listed = rows(html);
    expect(listed.map((r) => r.violation)).toEqual([true, true, false]);
    expect(html).toContain('3 more addresses not shown');
    expect(renderLanding(filledStore(), INFO, NOW)).not.toContain('more addresses not shown');
  });

  it('lists service-discovery sources, failing ones marked, and says nothing of them when there are none', () => {
    const sd = () => [
      { monitor: 'web', mechanism: 'file' as const, source: '/etc/pw/targets/a.json', hosts: 12, ok: true, failures: 0, lastSuccessMs: NOW - 30_000 },
      { monitor: 'web', mechanism: 'http' as const, source: 'http://cmdb.example/t?x=<b>', hosts: 3, ok: false, failures: 4, lastSuccessMs: undefined },
    ];
    const html = renderLanding(filledStore(), { ...INFO, sd }, NOW);
    expect(html).toContain('<h2>Service discovery</h2>\n<p>2 sources, 1 failing.</p>');
    const listed = rows(html).filter((r) => r.cells[1] === 'file' || r.cells[1] === 'http');
    expect(listed).toEqual([
      { violation: false, cells: ['web', 'file', '/etc/pw/targets/a.json', '12', 'ok', '<time datetime="2023-11-14T22:12:50.000Z">2023-11-14T22:12:50.000Z</time> (30s ago)'] },
      { violation: true, cells: ['web', 'http', 'http://cmdb.example/t?x=&lt;b&gt;', '3', 'failed (4 failures so far; last good hosts kept)', 'never'] },
    ]);
    expect(renderLanding(filledStore(), { ...INFO, sd: () => [] }, NOW)).not.toContain('Service discovery');
    expect(renderLanding(filledStore(), INFO, NOW)).not.toContain('Service discovery');
  });

  it('escapes everything that comes from the config', () => {
    const store = new PortStore();
    store.setTargets([monitor('<script>alert("x")</script>', ['h.example'], [80], [])]);
    store.record(targetId('<script>alert("x")</script>', 'h.example', 80), [result('192.0.2.1', 'closed', 'conn-refused')], NOW);
    const html = renderLanding(store, { ...INFO, configFile: '/tmp/a&b<c>.yaml' }, NOW);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('/tmp/a&amp;b&lt;c&gt;.yaml');
  });

  it('renders with nothing configured', () => {
    expect(renderLanding(new PortStore(), INFO, NOW)).toContain('0 monitors, 0 targets, 0 addresses checked, 0 not as expected.');
  });
});

describe('helpers', () => {
  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
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

describe('renderLanding: discovery', () => {
  const discover = { ports: [9200, 6379], intervalMs: 3_600_000, allow: [] };

  it('lists the unexpected open ports, with since when', () => {
    const store = new PortStore();
    store.setTargets([{ ...monitor('lab', ['lab<1>.example'], [443], []), discover }]);
    for (const t of [NOW - 60_000, NOW - 30_000]) store.discovery.recordSweep('lab', 'lab<1>.example', [{ ip: '192.0.2.40', open: [9200], errors: [] }], t, 1);
    const html = renderLanding(store, INFO, NOW);
    expect(html).toContain('<h2>Unexpected open ports</h2>');
    expect(html).toContain('<p>1 found open by two discovery sweeps in a row, neither expected open nor allowed.</p>');
    expect(html).toContain('<tr class="violation"><td>lab</td><td>lab&lt;1&gt;.example</td><td>192.0.2.40</td><td>9200</td><td><time');
    expect(html).not.toContain('<td>6379</td>');
  });

  it('says there are none, and says nothing without discovery', () => {
    const store = new PortStore();
    store.setTargets([{ ...monitor('lab', ['lab.example'], [443], []), discover }]);
    expect(renderLanding(store, INFO, NOW)).toContain('<p>None: discovery sweeps found no open port that is neither expected open nor allowed.</p>');
    store.setTargets([monitor('lab', ['lab.example'], [443], [])]);
    expect(renderLanding(store, INFO, NOW)).not.toContain('Unexpected open ports');
  });
});
