import { pino } from 'pino';
import { afterEach } from 'vitest';
import { SelfMetrics } from '../../src/metrics/self.js';
import { startHttpServer, type HttpDeps, type HttpServer } from '../../src/http/server.js';
import type { PortStore } from '../../src/state/store.js';
import { filledStore } from '../metrics/fixture.js';

export interface Running {
  server: HttpServer;
  store: PortStore;
  base: string;
}

const running: HttpServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A server on 127.0.0.1 with a kernel-chosen port, closed after each test. */
export async function serve(overrides: Partial<HttpDeps> = {}, listen = '127.0.0.1:0'): Promise<Running> {
  const store = overrides.store ?? filledStore();
  const self = overrides.self ?? new SelfMetrics({ version: '0.0.0-test' });
  // Intervals follow the store's monitors, as the daemon's follow its config.
  self.bind({ store, intervalsMs: () => new Map(store.monitors().map((m) => [m, 30_000])), inFlight: () => 0 });
  const server = await startHttpServer(listen, {
    store,
    self,
    reload: () => Promise.resolve(),
    ready: () => true,
    info: { version: '0.0.0-test', configFile: '/etc/portwatch.yaml', startedAt: Date.now(), listenAddress: listen },
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  running.push(server);
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return { server, store, base: `http://${host}:${server.port}` };
}
