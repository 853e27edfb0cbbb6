import { createHash } from 'node:crypto';
import { hostKey } from '../config/hosts.js';
import type { Config } from '../config/types.js';
import { jumpHash } from './jump.js';

/** Which part of the targets one portwatch checks: shard `index` of `count`, counted from 0. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const UNSHARDED: Shard = { index: 0, count: 1 };

/** The most shards --shard.count accepts; far more replicas than anyone runs. */
export const MAX_SHARDS = 65_536;

/**
 * The 64-bit key a host is placed by: the low 64 bits of the MD5 of its canonical spelling
 * (names without case or trailing dot, IPv6 in canonical form), the hash Prometheus'
 * `hashmod` relabelling uses. Only the host counts, not the monitor or the port: every
 * port of a host is checked by the same portwatch, so the per-address concurrency limit
 * holds for the whole fleet and each name is resolved by one process only.
 */
export function shardKey(host: string): bigint {
  return createHash('md5').update(hostKey(host), 'utf8').digest().readBigUInt64BE(8);
}

/**
 * The shard whose portwatch checks `host`. Jump consistent hashing, not hashmod's modulo:
 * going from N to N + 1 shards moves only the hosts the new shard takes over (about
 * 1/(N + 1) of them), where a modulo would move nearly all.
 */
export function shardOfHost(host: string, count: number): number {
  return count === 1 ? 0 : jumpHash(shardKey(host), count);
}

/**
 * The config this shard checks: every monitor stays (so per-monitor series such as
 * portwatch_targets and port_violations exist on every shard, at 0 where it has nothing),
 * with only the hosts that fall in this shard.
 */
export function selectShard(config: Config, shard: Shard): Config {
  if (shard.count === 1) return config;
  const mine = new Map<string, boolean>();
  const isMine = (host: string): boolean => {
    let yes = mine.get(host);
    if (yes === undefined) {
      yes = shardOfHost(host, shard.count) === shard.index;
      mine.set(host, yes);
    }
    return yes;
  };
  return { ...config, monitors: config.monitors.map((m) => ({ ...m, hosts: m.hosts.filter(isMine) })) };
}
