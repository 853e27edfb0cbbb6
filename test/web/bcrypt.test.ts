import bcryptjs from 'bcryptjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BCRYPT_STATE_WORDS, bcryptMatches, piFractionWords } from '../../src/web/bcrypt.js';

const initial = piFractionWords(BCRYPT_STATE_WORDS);
const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');

// Test vectors of Openwall's crypt_blowfish (its wrapper.c), which the OpenBSD, Go and many
// other implementations check themselves against. Passwords are bytes (written as Latin-1
// here); the $2x$ vectors and the $2a$ one that crypt_blowfish alone hashes differently (its
// countermeasure for 8-bit passwords) are left out: Go and OpenBSD hash $2a$ like $2b$.
const OPENWALL: ReadonlyArray<[string, string]> = [
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
  ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
  ['', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy'],
  [
    '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored',
    '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui',
  ],
  ['\xff\xff\xa3', '$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e'],
  ['\xff\xff\xa3', '$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e'],
  ['\xa3', '$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq'],
  ['\xa3', '$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq'],
  ['\xa3', '$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq'],
  [
    `${'\xaa'.repeat(72)}chars after 72 are ignored as usual`,
    '$2a$05$/OK.fbVrR/bpIqNJ5ianF.swQOIzjOiJ9GHEPuhEkvqrUyvWhEMx6',
  ],
];

describe('bcrypt over bytes', () => {
  it("computes Blowfish's initial state from pi: P[0], P[17], the first and last S-box words", () => {
    expect([initial[0], initial[17], initial[18], initial[BCRYPT_STATE_WORDS - 1]].map((w) => w!.toString(16))).toEqual(
      ['243f6a88', '8979fb1b', 'd1310ba6', '3ac372e6'],
    );
  });

  it.each(OPENWALL)('matches crypt_blowfish for %j', (password, hash) => {
    expect(bcryptMatches(initial, bytes(password), hash)).toBe(true);
    expect(bcryptMatches(initial, bytes(`${password}x`), hash)).toBe(password.length >= 72);
  });

  it('agrees with bcryptjs on UTF-8 passwords, as $2a$, $2b$ and $2y$ (hashed alike)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('a', 'b', 'y'), (password, minor) => {
        const hash = bcryptjs.hashSync(password, 4).replace(/^\$2b\$/, `$2${minor}$`);
        expect(bcryptMatches(initial, Buffer.from(password, 'utf8'), hash)).toBe(true);
        expect(bcryptMatches(initial, Buffer.from(`${password}.`, 'utf8'), hash)).toBe(
          Buffer.byteLength(password) >= 72,
        );
      }),
      { numRuns: 25 },
    );
  });

  it('refuses what is not a bcrypt hash', () => {
    for (const hash of [
      '',
      'plain',
      '$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      '$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    ]) {
      expect(bcryptMatches(initial, bytes('U*U'), hash), hash).toBe(false);
    }
  });
});
