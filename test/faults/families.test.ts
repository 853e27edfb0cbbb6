import { describe, expect, it } from 'vitest';
import {
  detectRoutable,
  ipv4Routes,
  ipv6Routes,
  noRouteIfUnroutable,
  pickAddresses,
} from '../../src/resolve/families.js';

// /proc/net/ipv6_route of a fresh namespace: the reject "null" entries and ::1 on lo only.
// Each row of the file: destination, its prefix length, source and its length, next hop, metric, counts, flags, device.
const ipv6Route = (rows: string[]): string => rows.map((row) => `${row}\n`).join('');
const V6_NONE = ipv6Route([
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
  '00000000000000000000000000000001 80 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo',
  'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 00000100 00000001 00000000 00000001      pw0',
  'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 00000100 00000002 00000000 00000001      pw0',
]);
const V6_GLOBAL =
  V6_NONE +
  ipv6Route([
    '20010db8000000000000000000000000 40 00000000000000000000000000000000 00 ' +
      '00000000000000000000000000000000 00000100 00000001 00000000 00000001      pw0',
  ]);
const V4_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
const V4_DEFAULT = `${V4_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`;
const V4_UNREACHABLE = `${V4_HEADER}*\t6300000A\t00000000\t0201\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n`;

describe('routable families', () => {
  it('counts routes that leave the machine, not lo, link-local, multicast or reject routes', () => {
    expect(ipv6Routes(V6_NONE)).toBe(false);
    expect(ipv6Routes(V6_GLOBAL)).toBe(true);
    expect(ipv4Routes(V4_HEADER)).toBe(false);
    expect(ipv4Routes(V4_DEFAULT)).toBe(true);
    expect(ipv4Routes(V4_UNREACHABLE)).toBe(false);
    expect(detectRoutable((p) => (p.endsWith('ipv6_route') ? V6_NONE : V4_DEFAULT))).toEqual({
      ipv4: true,
      ipv6: false,
    });
  });

  const v4only = { ipv4: true, ipv6: false };
  it.each([
    ['auto', ['192.0.2.1', '2001:db8::1'], { addresses: ['192.0.2.1'] }],
    [
      'auto',
      ['2001:db8::1'],
      { reason: 'no-route', message: 'h has only addresses of a family this machine has no route for (2001:db8::1)' },
    ],
    ['auto', ['::1', '127.0.0.1'], { addresses: ['::1', '127.0.0.1'] }],
    ['dual', ['192.0.2.1', '2001:db8::1'], { addresses: ['192.0.2.1', '2001:db8::1'] }],
    ['ipv4', ['192.0.2.1', '2001:db8::1'], { addresses: ['192.0.2.1'] }],
    ['ipv6', ['192.0.2.1'], { reason: 'no-address', message: 'h has no IPv6 address' }],
  ] as const)('%s of %j', (family, addresses, expected) => {
    expect(pickAddresses('h', addresses, family, v4only)).toEqual(expected);
  });

  it('turns ENETUNREACH into no-route only for a family without any route', () => {
    const unreach = { state: 'filtered', reason: 'net-unreach', durationSeconds: 0, code: 'ENETUNREACH' } as const;
    expect(noRouteIfUnroutable(unreach, '2001:db8::1', v4only)).toMatchObject({ state: 'error', reason: 'no-route' });
    expect(noRouteIfUnroutable(unreach, '192.0.2.1', v4only)).toEqual(unreach);
  });
});
