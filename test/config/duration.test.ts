import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1s', S],
    ['30s', 30 * S],
    ['15m', 15 * M],
    ['1h', H],
    ['1d', D],
    ['1w', 7 * D],
    ['1y', 365 * D],
    ['1h30m', 90 * M],
    ['1m30s', 90 * S],
    ['2d12h', 60 * H],
    ['1s500ms', 1500],
    ['1y2w3d4h5m6s7ms', 365 * D + 14 * D + 3 * D + 4 * H + 5 * M + 6 * S + 7],
    ['90m', 90 * M],
    ['0h5m', 5 * M],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'invalid duration "": expected a number and a unit, like "30s" or "1h30m"'],
    ['0', 'invalid duration "0": must be greater than zero'],
    ['0s', 'invalid duration "0s": must be greater than zero'],
    ['0h0m', 'invalid duration "0h0m": must be greater than zero'],
    ['5', 'invalid duration "5": a number needs a unit, like "5s"'],
    ['5 m', 'invalid duration "5 m": expected numbers with units ms, s, m, h, d, w or y, like "30s" or "1h30m"'],
    ['1.5h', 'invalid duration "1.5h": expected numbers with units ms, s, m, h, d, w or y, like "30s" or "1h30m"'],
    ['-1s', 'invalid duration "-1s": expected numbers with units ms, s, m, h, d, w or y, like "30s" or "1h30m"'],
    ['1H', 'invalid duration "1H": expected numbers with units ms, s, m, h, d, w or y, like "30s" or "1h30m"'],
    ['30m1h', 'invalid duration "30m1h": units must go from the largest to the smallest, each once, like "1h30m"'],
    ['1m1m', 'invalid duration "1m1m": units must go from the largest to the smallest, each once, like "1h30m"'],
    ['99999999999999999999y', 'invalid duration "99999999999999999999y": too large'],
  ])('rejects %j', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [S, '1s'],
    [90 * S, '1m30s'],
    [H, '1h'],
    [90 * M, '1h30m'],
    [D, '1d'],
    [7 * D, '1w'],
    [8 * D, '1w1d'],
    [365 * D, '1y'],
    [1500, '1s500ms'],
    [1499.6, '1s500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips what it formats', () => {
    for (const ms of [1, 999, 61_001, 3 * H + 7, 400 * D, 12_345_678_901])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('refuses what is not a duration', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});
