import type { Shard } from './assign.js';

/**
 * The ordinal of a StatefulSet pod, from its host name: `portwatch-2` gives 2. Kubernetes
 * names StatefulSet pods `<statefulset>-<ordinal>` and makes that the pod's host name.
 */
export function statefulSetOrdinal(hostname: string): number | undefined {
  const m = /-(0|[1-9]\d*)$/.exec(hostname.split('.')[0] ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export type ShardChoice = { shard: Shard } | { problem: string };

/**
 * This process's shard from --shard.count and --shard.index. With several shards and no
 * --shard.index, the index is the StatefulSet ordinal at the end of the host name, which is
 * read only in that case.
 */
export function chooseShard(count: number, index: number | undefined, hostname: () => string): ShardChoice {
  if (index !== undefined) {
    if (index >= count)
      return { problem: `--shard.index: ${index} is not below --shard.count (${count}); shards are numbered from 0` };
    return { shard: { index, count } };
  }
  if (count === 1) return { shard: { index: 0, count } };
  const name = hostname();
  const ordinal = statefulSetOrdinal(name);
  if (ordinal === undefined) {
    return {
      problem:
        `--shard.count is ${count} but --shard.index is not set, and the host name "${name}" ` +
        'does not end in a StatefulSet ordinal (-0, -1, ...) to take it from; set --shard.index',
    };
  }
  if (ordinal >= count) {
    return {
      problem:
        `--shard.index defaults to ${ordinal}, the StatefulSet ordinal of "${name}", ` +
        `which is not below --shard.count (${count}); run as many replicas as shards`,
    };
  }
  return { shard: { index: ordinal, count } };
}
