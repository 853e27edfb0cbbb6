import { describe, expect, it } from 'vitest';
import type { Config, MonitorConfig } from '../../src/config/types.js';
import { targetsOf } from '../helpers/targets.js';
import { selectShard, shardKey, shardOfHost } from '../../src/shard/assign.js';

/** mulberry32: a small seeded generator, so every run checks the same configs. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** A host in one of the spellings configs use: names, IPv4, IPv6. */
function someHost(rnd: () => number): string {
  const n = Math.floor(rnd() * 100_000);
  switch (Math.floor(rnd() * 3)) {
    case 0:
      return (
        `${pick(rnd, ['web', 'db', 'api', 'mail', 'vpn'])}-${n}.` +
        pick(rnd, ['example.com', 'example.net', 'corp.example.org'])
      );
    case 1:
      return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    default:
      return `2001:db8::${n.toString(16)}`;
  }
}

/** A random config: up to 8 monitors, some hosts shared between monitors, a few ports each. */
function someConfig(seed: number): Config {
  const rnd = random(seed);
  const shared = Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => someHost(rnd));
  const monitors: MonitorConfig[] = [];
  const count = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < count; i++) {
    const hosts = new Set<string>();
    const n = Math.floor(rnd() * 60);
    for (let h = 0; h < n; h++) hosts.add(rnd() < 0.3 ? pick(rnd, shared) : someHost(rnd));
    const ports = [
      ...new Set(Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => 1 + Math.floor(rnd() * 65_535))),
    ].sort((a, b) => a - b);
    const split = Math.floor(rnd() * ports.length);
    monitors.push({
      name: `m${i}`,
      hosts: [...hosts],
      intervalMs: 60_000,
      timeoutMs: 1_000,
      retries: 0,
      expectOpen: ports.slice(0, split),
      expectClosed: ports.slice(split),
    });
  }
  return { monitors };
}

function idsOf(config: Config): string[] {
  return [...targetsOf(config).keys()];
}

const SHARDSS = Array.from({ length: 16 }, (_, i) => i + 1);

describe('selectShard', () => {
  it.each(SHARDSS)('splits 50 random configs into %i shards that partition the targets exactly', (count) => {
    for (let seed = 1; seed <= 50; seed++) {
      const config = someConfig(seed * 1000 + count);
      const all = idsOf(config);
      const owner = new Map<string, number>();
      const twice: string[] = [];
      for (let index = 0; index < count; index++) {
        const part = selectShard(config, { index, count });
        // Every monitor stays on every shard, so its per-monitor series exist everywhere.
        expect(part.monitors.map((m) => m.name)).toEqual(config.monitors.map((m) => m.name));
        for (const id of idsOf(part)) {
          if (owner.has(id)) twice.push(`${JSON.stringify(id)} on shards ${owner.get(id)} and ${index}`);
          owner.set(id, index);
        }
      }
      expect(twice, `seed ${seed}`).toEqual([]);
      expect([...owner.keys()].sort(), `seed ${seed}`).toEqual([...all].sort());
    }
  });

  it('keeps every port of a host, in every monitor and spelling, on one shard', () => {
    const spellings = [
      'db.example.com',
      'DB.Example.com',
      'db.example.com.',
      '2001:db8::1',
      '2001:DB8:0:0::1',
      '2001:0db8::0001',
    ];
    const monitor = (name: string, hosts: string[], ports: number[]): MonitorConfig => ({
      name,
      hosts,
      intervalMs: 60_000,
      timeoutMs: 1_000,
      retries: 0,
      expectOpen: ports,
      expectClosed: [],
    });
    const config: Config = {
      monitors: [
        monitor('a', [spellings[0]!, spellings[3]!], [22, 443]),
        monitor('b', [spellings[1]!, spellings[4]!], [5432]),
        monitor('c', [spellings[2]!, spellings[5]!], [6379, 9200]),
      ],
    };
    for (const count of SHARDSS) {
      expect(new Set(spellings.slice(0, 3).map((h) => shardOfHost(h, count))).size).toBe(1);
      expect(new Set(spellings.slice(3).map((h) => shardOfHost(h, count))).size).toBe(1);
      const sizes = Array.from({ length: count }, (_, index) => idsOf(selectShard(config, { index, count })).length);
      // Two hosts, each with its five ports: all of a host's targets land together.
      expect(sizes.filter((n) => n > 0).every((n) => n === 5 || n === 10)).toBe(true);
    }
  });

  it('returns the config itself when not sharded', () => {
    const config = someConfig(7);
    expect(selectShard(config, { index: 0, count: 1 })).toBe(config);
  });
});

describe('shardOfHost', () => {
  const hosts = [
    ...new Set(
      Array.from(
        { length: 20_000 },
        (
          (rnd) => () =>
            someHost(rnd)
        )(random(42)),
      ),
    ),
  ];
  const H = hosts.length;
  // shardOfHost is a pure function of host and count: each count's placement of every host is
  // computed once and shared by the tests below, which compare placements across counts.
  const placements = new Map<number, Int32Array>();
  const placed = (count: number): Int32Array => {
    let shards = placements.get(count);
    if (shards === undefined) {
      shards = Int32Array.from(hosts, (h) => shardOfHost(h, count));
      placements.set(count, shards);
    }
    return shards;
  };

  it('places a host by the low 64 bits of the MD5 of its canonical spelling, as hashmod does', () => {
    // md5("example.com") = 5ababd603b22780302dd8d83498e5172; its last 8 bytes, big-endian.
    expect(shardKey('Example.COM.')).toBe(0x02dd8d83498e5172n);
  });

  it.each(SHARDSS.slice(1))('spreads %i shards evenly', (count) => {
    const sizes = new Array<number>(count).fill(0);
    for (const shard of placed(count)) sizes[shard]! += 1;
    // Binomial(H, 1/count): 5 standard deviations is far outside chance.
    const mean = H / count;
    const sd = Math.sqrt(H * (1 / count) * (1 - 1 / count));
    for (const s of sizes) expect(Math.abs(s - mean)).toBeLessThan(5 * sd);
  });

  it.each(SHARDSS.slice(0, -1))(
    'going from %i to one more shard moves about 1/(N+1) of the hosts, all to the new shard',
    (count) => {
      let moved = 0;
      const [before, after] = [placed(count), placed(count + 1)];
      for (let i = 0; i < H; i++) {
        if (before[i] === after[i]) continue;
        expect(after[i], `host ${hosts[i]} moved from ${before[i]} to ${after[i]}, not to the new shard ${count}`).toBe(
          count,
        );
        moved += 1;
      }
      const p = 1 / (count + 1);
      const sd = Math.sqrt(H * p * (1 - p));
      expect(Math.abs(moved - H * p)).toBeLessThan(5 * sd);
    },
  );

  it('moves far fewer hosts than a modulo would when a shard is added', () => {
    // What hashmod (key mod N) would do from 3 to 4 shards: about 3/4 of the hosts move.
    const mod = (h: string, n: number) => Number(shardKey(h) % BigInt(n));
    const movedMod = hosts.filter((h) => mod(h, 3) !== mod(h, 4)).length;
    const [three, four] = [placed(3), placed(4)];
    const movedJump = hosts.filter((_, i) => three[i] !== four[i]).length;
    expect(movedMod / H).toBeGreaterThan(0.7);
    expect(movedJump / H).toBeLessThan(0.27);
  });
});
