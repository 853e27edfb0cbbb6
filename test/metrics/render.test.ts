import { describe, expect, it } from 'vitest';
import { metricsStream } from '../../src/metrics/render.js';
import { SelfMetrics } from '../../src/metrics/self.js';
import { renderPortFamilies } from '../../src/metrics/port-families.js';
import { PortStore, targetId } from '../../src/state/store.js';
import { monitor } from './fixture.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('metricsStream', () => {
  it('serves concurrent scrapes the same port families, and a later scrape fresh ones', async () => {
    const ports = Array.from({ length: 20_000 }, (_, i) => i + 1);
    const store = new PortStore();
    store.setTargets([monitor('m', ['127.0.0.1'], [], ports)]);
    for (const p of ports)
      store.record(
        targetId('m', '127.0.0.1', p),
        [{ ip: '127.0.0.1', result: { state: 'closed', reason: 'conn-refused', durationSeconds: 0.0001 } }],
        1_700_000_000_000,
      );
    const self = new SelfMetrics({ version: 'test' });
    const expected = renderPortFamilies(store);
    const bodies = await Promise.all(Array.from({ length: 5 }, () => text(metricsStream(store, self))));
    for (const body of bodies) expect(body.startsWith(expected)).toBe(true);
    store.record(
      targetId('m', '127.0.0.1', 1),
      [{ ip: '127.0.0.1', result: { state: 'open', reason: 'syn-ack', durationSeconds: 0.0001 } }],
      1_700_000_001_000,
    );
    const later = await text(metricsStream(store, self));
    expect(later.startsWith(renderPortFamilies(store))).toBe(true);
    expect(later).toContain(
      'port_state{monitor="m",host="127.0.0.1",ip="127.0.0.1",port="1",protocol="tcp",expected="closed"} 1\n',
    );
  });
});

describe('metricsStream with a scrape that goes away', () => {
  it('still serves the scrapes that stay, and the next one', async () => {
    const ports = Array.from({ length: 30_000 }, (_, i) => i + 1);
    const store = new PortStore();
    store.setTargets([monitor('m', ['127.0.0.1'], [], ports)]);
    for (const p of ports)
      store.record(
        targetId('m', '127.0.0.1', p),
        [{ ip: '127.0.0.1', result: { state: 'closed', reason: 'conn-refused', durationSeconds: 0.0001 } }],
        1_700_000_000_000,
      );
    const self = new SelfMetrics({ version: 'test' });
    const expected = renderPortFamilies(store);
    const gone = metricsStream(store, self);
    const staying = text(metricsStream(store, self));
    gone.destroy();
    expect((await staying).startsWith(expected)).toBe(true);
    const alone = metricsStream(store, self);
    alone.destroy();
    expect((await text(metricsStream(store, self))).startsWith(expected)).toBe(true);
  });
});
