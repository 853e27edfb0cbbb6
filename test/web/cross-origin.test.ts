import { describe, expect, it } from 'vitest';
import { crossOriginRefusal } from '../../src/web/cross-origin.js';

// The cases of Go's net/http CrossOriginProtection tests (csrf_test.go,
// TestCrossOriginProtectionSecFetchSite), in our words: a request to https://example.com/.
const CASES: ReadonlyArray<[string, string, string | undefined, string | undefined, boolean]> = [
  ['same-origin allowed', 'POST', 'same-origin', undefined, true],
  ['none allowed', 'POST', 'none', undefined, true],
  ['cross-site blocked', 'POST', 'cross-site', undefined, false],
  ['same-site blocked', 'POST', 'same-site', undefined, false],
  ['no header with no origin', 'POST', undefined, undefined, true],
  ['no header with matching origin', 'POST', undefined, 'https://example.com', true],
  ['no header with mismatched origin', 'POST', undefined, 'https://attacker.example', false],
  ['no header with null origin', 'POST', undefined, 'null', false],
  ['GET allowed', 'GET', 'cross-site', undefined, true],
  ['HEAD allowed', 'HEAD', 'cross-site', undefined, true],
  ['OPTIONS allowed', 'OPTIONS', 'cross-site', undefined, true],
  ['PUT blocked', 'PUT', 'cross-site', undefined, false],
];

describe('cross-origin requests', () => {
  it.each(CASES)('%s', (_name, method, secFetchSite, origin, allowed) => {
    const refusal = crossOriginRefusal({ method, host: 'example.com', origin, secFetchSite });
    expect(refusal === undefined).toBe(allowed);
  });

  it('compares the Origin with the Host it was sent to, port included', () => {
    const at = (origin: string) =>
      crossOriginRefusal({ method: 'POST', host: '127.0.0.1:9798', origin, secFetchSite: undefined });
    expect(at('http://127.0.0.1:9798')).toBeUndefined();
    expect(at('http://127.0.0.1:9799')).toBe('cross-origin request refused (Origin does not match Host)');
  });
});
