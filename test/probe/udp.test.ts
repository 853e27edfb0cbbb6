import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeUdp } from '../../src/probe/udp.js';

// Loopback is exempt from ICMP rate limits: these are the prober's basic verdicts; the
// namespace tests (udp-netns) hold them against nmap -sU and real daemons.
describe('probeUdp on loopback', () => {
  let echo: dgram.Socket;
  let silent: dgram.Socket;
  const portOf = (s: dgram.Socket): number => s.address().port;

  beforeAll(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (_msg, from) => echo.send('x', from.port, from.address));
    silent = dgram.createSocket('udp4');
    await Promise.all([echo, silent].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
  });
  afterAll(() => {
    echo.close();
    silent.close();
  });

  it('a datagram back is open (udp-response)', async () => {
    const result = await probeUdp('127.0.0.1', portOf(echo), 2000);
    expect(result).toMatchObject({ state: 'open', reason: 'udp-response' });
  });

  it('ICMP port unreachable is closed (port-unreach)', async () => {
    // A port freed just now: nothing listens on it.
    const gone = dgram.createSocket('udp4');
    await new Promise<void>((r) => gone.bind(0, '127.0.0.1', r));
    const port = portOf(gone);
    await new Promise<void>((r) => gone.close(r));
    const result = await probeUdp('127.0.0.1', port, 2000);
    expect(result).toMatchObject({ state: 'closed', reason: 'port-unreach', code: 'ECONNREFUSED' });
  });

  it('silence until the timeout is open|filtered (no-response)', async () => {
    const result = await probeUdp('127.0.0.1', portOf(silent), 300);
    expect(result).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.29);
  });

  it('a name instead of an address is an error, never a state', async () => {
    const result = await probeUdp('localhost', 53, 300);
    expect(result.state).toBe('error');
  });
});
