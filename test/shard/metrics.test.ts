import { describe, expect, it } from 'vitest';
import { SelfMetrics } from '../../src/metrics/self.js';

describe('shard metrics', () => {
  it('say which shard of how many this portwatch is', async () => {
    const text = await new SelfMetrics({ version: '0.0.0-test', shard: { index: 2, count: 3 } }).registry.metrics();
    expect(text).toContain('# TYPE portwatch_shard_index gauge\nportwatch_shard_index 2\n');
    expect(text).toContain('# TYPE portwatch_shards gauge\nportwatch_shards 3\n');
  });

  it('say shard 0 of 1 when not sharded', async () => {
    const text = await new SelfMetrics({ version: '0.0.0-test' }).registry.metrics();
    expect(text).toContain('portwatch_shard_index 0\n');
    expect(text).toContain('portwatch_shards 1\n');
  });
});
