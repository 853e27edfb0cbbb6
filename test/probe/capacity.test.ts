import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triesToOutlast } from '../../src/probe/backoff.js';
import { ProbeCapacity } from '../../src/probe/capacity.js';
import { probers } from '../../src/probe/registry.js';
import type { ProbeResult } from '../../src/types.js';
import { closeServer, freePort } from '../helpers/ports.js';

// Real sockets on loopback only: the capacity in front of the registered probers.

describe('the prober registry', () => {
  it('has a prober for tcp and for udp', () => {
    expect(Object.keys(probers)).toEqual(['tcp', 'udp']);
    expect(typeof probers.tcp).toBe('function');
    expect(typeof probers.udp).toBe('function');
  });
});

describe('ProbeCapacity on loopback', () => {
  let server: net.Server;
  let open: number;
  let closed: number;

  beforeAll(async () => {
    server = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open = (server.address() as net.AddressInfo).port;
    closed = await freePort();
  });
  afterAll(() => closeServer(server));

  it('gives the tcp prober verdicts and counts each final result once', async () => {
    const seen: ProbeResult[] = [];
    const capacity = new ProbeCapacity({ concurrency: 8, perAddress: 2, onResult: (r) => seen.push(r) });
    const results = await Promise.all(
      [open, closed, open, closed].map((port) => capacity.probe('tcp', '127.0.0.1', port, 2000)),
    );
    expect(results.map((r) => [r.state, r.reason])).toEqual([
      ['open', 'syn-ack'],
      ['closed', 'conn-refused'],
      ['open', 'syn-ack'],
      ['closed', 'conn-refused'],
    ]);
    expect(seen).toHaveLength(4);
    expect(capacity.inFlight).toBe(0);
  });

  it('takes --probe.concurrency as the socket budget too, and admits checks by the probes under way', () => {
    const capacity = new ProbeCapacity({ concurrency: 100 });
    expect(capacity.concurrency).toBe(100);
    expect(capacity.sockets).toBe(100);
    expect(capacity.socketLimit).toBe(100);
    expect(capacity.maxChecksInFlight).toBe(456);
    // Nothing under way: up to 256 checks may wait for a slot, not one more.
    expect(capacity.admitsCheck(255)).toBe(true);
    expect(capacity.admitsCheck(256)).toBe(false);
  });

  it('defaults to a socket budget at least the concurrency, from the open-files limit', () => {
    const capacity = new ProbeCapacity({});
    expect(capacity.concurrency).toBeGreaterThanOrEqual(1);
    expect(capacity.sockets).toBeGreaterThanOrEqual(capacity.concurrency);
  });

  it('tells background probes that foreground ones wait, but not of its own', async () => {
    const capacity = new ProbeCapacity({ concurrency: 1, perAddress: 1 });
    const background = [capacity.probe('tcp', '127.0.0.1', open, 2000, { background: true })];
    background.push(capacity.probe('tcp', '127.0.0.1', open, 2000, { background: true }));
    expect(capacity.foregroundWaiting).toBe(false);
    const foreground = capacity.probe('tcp', '127.0.0.1', closed, 2000);
    expect(capacity.foregroundWaiting).toBe(true);
    expect((await foreground).state).toBe('closed');
    expect((await Promise.all(background)).map((r) => r.state)).toEqual(['open', 'open']);
    expect(capacity.foregroundWaiting).toBe(false);
  });

  it('rejects the probes waiting once closed, and lets the one under way finish', async () => {
    const capacity = new ProbeCapacity({ concurrency: 1, perAddress: 1 });
    const running = capacity.probe('tcp', '127.0.0.1', open, 2000);
    const waiting = capacity.probe('tcp', '127.0.0.1', open, 2000);
    const stopping = new Error('stopping');
    capacity.close(stopping);
    await expect(waiting).rejects.toBe(stopping);
    expect((await running).state).toBe('open');
    await expect(capacity.probe('tcp', '127.0.0.1', open, 2000)).rejects.toBe(stopping);
  });
});

describe('triesToOutlast', () => {
  it('retries for at least one timeout, from 6 tries up to 20', () => {
    expect(triesToOutlast(100)).toBe(6);
    for (const timeoutMs of [1000, 3000, 10_000, 60_000]) {
      const tries = triesToOutlast(timeoutMs);
      // The shortest jittered delays (half of 50 ms doubling) add up to the timeout.
      expect(25 * (2 ** (tries - 1) - 1)).toBeGreaterThanOrEqual(timeoutMs);
    }
    expect(triesToOutlast(1e12)).toBe(20);
  });
});
