import type { PortStore } from '../state/store.js';
import { ByteWriter } from './byte-writer.js';
import { writePortFamilies } from './port-families.js';
import type { SelfMetrics } from './self.js';

export { PROMETHEUS_CONTENT_TYPE } from './text-format.js';

// Sized from the previous scrape, so a large exposition is written without regrowing.
const lastSize = new WeakMap<PortStore, number>();

/** One exposition document as UTF-8 bytes, ready to send or gzip: the port families, then portwatch's own metrics. */
export async function renderMetricsBody(store: PortStore, self: SelfMetrics): Promise<Buffer> {
  const selfText = Buffer.from(await self.registry.metrics());
  // Nothing awaits from here on, so the port families are one consistent snapshot of the store.
  const out = new ByteWriter(Math.ceil((lastSize.get(store) ?? 0) * 1.1));
  writePortFamilies(store, out);
  out.bytes(selfText);
  lastSize.set(store, out.length);
  return out.result();
}

/** The same document as text. */
export async function renderMetrics(store: PortStore, self: SelfMetrics): Promise<string> {
  return (await renderMetricsBody(store, self)).toString('utf8');
}
