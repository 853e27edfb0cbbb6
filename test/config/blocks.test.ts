import { describe, expect, it } from 'vitest';
import { blockAddresses, parseBlock } from '../../src/config/blocks.js';
import { parseConfig } from '../../src/config/load.js';

const addresses = (text: string): string[] => {
  const parsed = parseBlock(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return blockAddresses(parsed.block);
};

describe('address blocks', () => {
  it.each([
    ['192.0.2.0/30', ['192.0.2.0', '192.0.2.1', '192.0.2.2', '192.0.2.3']],
    ['192.0.2.4/31', ['192.0.2.4', '192.0.2.5']],
    ['192.0.2.9/32', ['192.0.2.9']],
    ['2001:db8::/126', ['2001:db8::', '2001:db8::1', '2001:db8::2', '2001:db8::3']],
    ['2001:DB8:0:0::8/127', ['2001:db8::8', '2001:db8::9']],
    ['::ffff:192.0.2.0/127', ['::ffff:192.0.2.0', '::ffff:192.0.2.1']],
  ])('%s expands to every address, network and broadcast included', (block, want) => {
    expect(addresses(block)).toEqual(want);
  });

  it('expands the largest blocks allowed, in order', () => {
    const v4 = addresses('127.7.0.0/16');
    expect([v4.length, v4[0], v4[256], v4.at(-1)]).toEqual([65_536, '127.7.0.0', '127.7.1.0', '127.7.255.255']);
    const v6 = addresses('2001:db8::ff00/120');
    expect([v6.length, v6[0], v6.at(-1)]).toEqual([256, '2001:db8::ff00', '2001:db8::ffff']);
  });

  it('makes each address a host of its own at load, once even where blocks overlap', () => {
    const config = parseConfig(
      'monitors:\n  - name: lan\n' +
        '    hosts: [www.example.com, 198.51.100.1, 198.51.100.0/30, 198.51.100.2/31, "2001:db8::/127"]\n' +
        '    expect_closed: [23]\n',
      'pw.yaml',
    );
    expect(config.monitors[0]!.hosts).toEqual([
      'www.example.com',
      '198.51.100.1',
      '198.51.100.0',
      '198.51.100.2',
      '198.51.100.3',
      '2001:db8::',
      '2001:db8::1',
    ]);
  });
});
