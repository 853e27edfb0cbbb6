import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/http/compress.js';

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZIP', true],
    ['deflate, gzip;q=1.0, *;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['gzip;q=0.001', true],
    ['br, *', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['*, gzip;q=0', false],
    ['x-gzip', false],
    [['br', 'gzip'], true],
  ])('%j -> %s', (header, want) => {
    expect(acceptsGzip(header)).toBe(want);
  });
});
