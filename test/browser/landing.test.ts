// The landing page in a real browser (Debian's chromium), with JavaScript off: it must read
// on a desktop and on a phone without scrolling sideways, mark problems in text, and filter
// and page by clicking plain links and submitting its form. Screenshots at both widths go to
// test-artifacts/browser/ (git-ignored) for a person to look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PortStore, targetId } from '../../src/state/store.js';
import { ROOT } from '../alerts/stack.js';
import { pino } from 'pino';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { monitor, result } from '../metrics/fixture.js';
import { chromiumMissing, launchChromium, type RunningBrowser } from './chromium.js';
import { describeOrSkip } from '../helpers/skip.js';

// The part of the DOM the page-side callbacks use, declared here (not globally) so that the
// type check of this Node.js project needs no DOM library.
interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface El {
  textContent: string | null;
  innerText: string;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): Box;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
declare const window: { innerWidth: number };
declare function getComputedStyle(e: El, pseudo: string): { content: string };

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const LONG_HOST = 'a-host-name-long-enough-to-push-a-phone-screen-sideways.datacenter-one.internal.example.com';
const V6_HOST = '2001:db8:1234:5678:9abc:def0:1234:5678';
const FLEET = Array.from({ length: 150 }, (_, i) => `node-${String(i).padStart(3, '0')}.fleet.example`);
const skip = chromiumMissing();

/** web: an exposed port, an unreachable one and an unexpected open one; fleet: 150 closed ports, two pages in all. */
function store(): PortStore {
  const s = new PortStore();
  const discover = { ports: [9200], intervalMs: 3_600_000, allow: [] };
  s.setTargets([
    { ...monitor('web', ['www.example.com', V6_HOST, LONG_HOST], [443, 80], [22, 3306]), discover },
    monitor('fleet', FLEET, [], [22]),
  ]);
  const now = Date.now();
  const ipOf: Record<string, string[]> = {
    'www.example.com': ['192.0.2.10', '2001:db8::10'],
    [V6_HOST]: [V6_HOST],
    [LONG_HOST]: ['198.51.100.7'],
  };
  for (const t of s.targets().values()) {
    const ips = ipOf[t.host] ?? [`198.51.100.${FLEET.indexOf(t.host) % 250}`];
    const state =
      t.host === 'www.example.com' && t.port === 22
        ? 'open'
        : t.host === LONG_HOST && t.port === 443
          ? 'filtered'
          : t.expected;
    const reason = state === 'open' ? 'syn-ack' : state === 'closed' ? 'conn-refused' : 'no-response';
    s.record(
      t.id,
      ips.map((ip) => result(ip, state, reason)),
      now - 3_600_000,
    );
  }
  s.record(
    targetId('web', 'www.example.com', 22),
    [result('192.0.2.10', 'open', 'syn-ack'), result('2001:db8::10', 'open', 'syn-ack')],
    now - 60_000,
  );
  for (const at of [now - 120_000, now - 60_000])
    s.discovery.recordSweep('web', 'www.example.com', [{ ip: '192.0.2.10', open: [9200], errors: [] }], at, 1);
  return s;
}

describeOrSkip(skip, 'the landing page in chromium, without JavaScript', () => {
  let server: HttpServer;
  let base = '';
  let chromium: RunningBrowser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const s = store();
    const self = new SelfMetrics({ version: '0.0.0-test' });
    self.bind({ store: s, intervalsMs: () => new Map(), inFlight: () => 0 });
    const info = {
      version: '0.0.0-test',
      configFile: '/etc/portwatch.yaml',
      startedAt: Date.now(),
      listenAddress: '127.0.0.1:0',
    };
    const deps = {
      store: s,
      self,
      reload: () => Promise.resolve(),
      ready: () => true,
      info,
      logger: pino({ level: 'silent' }),
    };
    server = await startHttpServer('127.0.0.1:0', deps);
    base = `http://127.0.0.1:${server.port}`;
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    await page.setJavaScriptEnabled(false);
    page.on('request', (r) => void requested.push(r.url()));
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function open(path: string, width: number): Promise<number> {
    await page.setViewport({ width, height: 900 });
    const res = await page.goto(`${base}${path}`, { waitUntil: 'load' });
    return res?.status() ?? 0;
  }

  /** Navigates by clicking the first link (or button) matching `selector` whose text includes `text`. */
  async function click(selector: string, text: string): Promise<void> {
    const handles = await page.$$(selector);
    for (const h of handles) {
      if ((await h.evaluate((e: El) => e.textContent ?? '')).includes(text)) {
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), h.click()]);
        return;
      }
    }
    throw new Error(`no ${selector} with text ${JSON.stringify(text)} on ${page.url()}`);
  }

  /** The port rows as shown: the text of each labelled cell. */
  function portRows(): Promise<Record<string, string>[]> {
    return page.$$eval('h2 ~ table.rows', (tables: El[]) => {
      const ports = tables.at(-1)!;
      return [...ports.querySelectorAll('tbody tr')].map((tr) =>
        Object.fromEntries(
          [...tr.querySelectorAll('td')].map((td) => [td.dataset['label'] ?? '', td.innerText.trim()]),
        ),
      );
    });
  }

  const search = (): string => decodeURIComponent(new URL(page.url()).search);

  it('at 1280 px: every column in view, problems first and marked in text, nothing fetched but the page', async () => {
    requested.length = 0;
    expect(await open('/', 1280)).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, 'landing-1280.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'landing-1280-first-screen.png') });
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    expect(requested).toEqual([`${base}/`]);
    const rows = await portRows();
    expect(rows).toHaveLength(100);
    expect(rows.slice(0, 4).map((r) => [r['Verdict'], r['Host'], r['Port']])).toEqual([
      ['UNREACHABLE', LONG_HOST, '443'],
      ['EXPOSED', 'www.example.com', '22'],
      ['EXPOSED', 'www.example.com', '22'],
      ['UNEXPECTED OPEN', 'www.example.com', '9200'],
    ]);
    expect(rows[4]?.['Verdict']).toBe('ok');
    // Every row marked as a problem says so in words, not only in colour.
    const marked = await page.$$eval('tr.problem td[data-label="Verdict"]', (tds: El[]) =>
      tds.map((td) => td.innerText),
    );
    expect(marked.length).toBe(5); // web in the Monitors table, and its four rows
    for (const text of marked) expect(text).toMatch(/^(EXPOSED|UNREACHABLE|UNEXPECTED OPEN|\d+ PROBLEMS?)$/);
    expect(await page.title()).toBe('portwatch: 4 problems');
  });

  it('at 390 px: no sideways scrolling, and State, Reason and Since of every row on screen', async () => {
    expect(await open('/', 390)).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, 'landing-390.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'landing-390-first-screen.png') });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const offScreen = await page.$$eval('td[data-label]', (tds: El[]) =>
      tds
        .filter((td) => ['State', 'Reason', 'Since', 'Verdict'].includes(td.dataset['label'] ?? ''))
        .map((td) => ({ label: td.dataset['label'], box: td.getBoundingClientRect() }))
        .filter(({ box }) => box.width === 0 || box.left < 0 || box.right > window.innerWidth)
        .map(({ label, box }) => `${label} ${box.left}-${box.right}`),
    );
    expect(offScreen).toEqual([]);
    // The stacked rows name each value, as the table head no longer does.
    const before = await page.$eval('td[data-label="State"]', (td: El) => getComputedStyle(td, '::before').content);
    expect(before).toBe('"State: "');
    const head = await page.$eval('h2 ~ table.rows thead', (th: El) => th.getBoundingClientRect().height);
    expect(head).toBeLessThanOrEqual(1);
  });

  it('filters by clicking counts, hosts and "show all", and pages by clicking next, last and first', async () => {
    await open('/', 1280);
    await click('a', '150'); // fleet's closed ports, in the Monitors table
    expect(search()).toBe('?monitor=fleet&state=closed');
    expect(await page.$eval('nav.pages span', (e: El) => e.textContent)).toBe('page 1 of 2 (rows 1-100)');
    expect(new Set((await portRows()).map((r) => `${r['Monitor']} ${r['State']}`))).toEqual(new Set(['fleet closed']));
    await click('nav.pages a', 'next');
    expect(search()).toBe('?monitor=fleet&state=closed&page=2');
    const second = await portRows();
    expect(second.map((r) => r['Host'])).toEqual(FLEET.slice(100));
    await click('nav.pages a', 'first');
    expect((await portRows())[0]?.['Host']).toBe(FLEET[0]);
    await click('nav.pages a', 'last');
    expect(search()).toBe('?monitor=fleet&state=closed&page=2');
    await click('tbody a', FLEET[149]!);
    expect(search()).toBe(`?monitor=fleet&host=${FLEET[149]}`);
    expect((await portRows()).map((r) => r['Host'])).toEqual([FLEET[149]]);
    await click('a', 'show all');
    expect(search()).toBe('');
  });

  it('filters by submitting the form, and a bad query answers 400 with a way back', async () => {
    await open('/', 1280);
    await page.select('select[name="monitor"]', 'web');
    await page.type('input[name="host"]', 'www.example.com');
    await page.select('select[name="state"]', 'open');
    await click('button', 'Filter');
    expect(search()).toBe('?monitor=web&host=www.example.com&state=open');
    const rows = await portRows();
    expect(rows.map((r) => `${r['Verdict']} ${r['IP']} ${r['Port']}`)).toEqual([
      'EXPOSED 192.0.2.10 22',
      'EXPOSED 2001:db8::10 22',
      'UNEXPECTED OPEN 192.0.2.10 9200',
      'ok 192.0.2.10 80',
      'ok 2001:db8::10 80',
      'ok 192.0.2.10 443',
      'ok 2001:db8::10 443',
    ]);
    expect(await open('/?state=up', 390)).toBe(400);
    expect(await page.$eval('body', (b: El) => b.innerText)).toContain(
      'Bad query parameter: state: "up" is not one of open, closed, filtered, open|filtered, error',
    );
    await click('a', 'All ports');
    expect(search()).toBe('');
  });
});
