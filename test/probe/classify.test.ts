import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/probe/classify.js';

describe('classifyError', () => {
  it.each([
    ['ECONNREFUSED', 'closed', 'conn-refused'],
    ['EHOSTUNREACH', 'filtered', 'host-unreach'],
    ['ENETUNREACH', 'filtered', 'net-unreach'],
    ['EACCES', 'filtered', 'admin-prohibited'],
    ['EPERM', 'filtered', 'admin-prohibited'],
    ['ENOPROTOOPT', 'filtered', 'proto-unreach'],
    ['EHOSTDOWN', 'filtered', 'host-down'],
    ['ETIMEDOUT', 'filtered', 'no-response'],
    ['EMFILE', 'error', 'fd-exhausted'],
    ['ENFILE', 'error', 'fd-exhausted'],
    ['EADDRNOTAVAIL', 'error', 'addr-unavailable'],
    ['ENOBUFS', 'error', 'no-buffers'],
    ['EINVAL', 'error', 'local-error'],
    ['ECONNRESET', 'error', 'local-error'],
    ['ERR_SOCKET_BAD_PORT', 'error', 'local-error'],
    ['', 'error', 'local-error'],
    [undefined, 'error', 'local-error'],
  ])('%s is %s/%s', (code, state, reason) => {
    expect(classifyError(code)).toEqual({ state, reason });
  });

  it('does not treat inherited object keys as codes', () => {
    expect(classifyError('constructor')).toEqual({ state: 'error', reason: 'local-error' });
  });
});
