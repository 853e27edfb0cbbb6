import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

/** Async, so compressing a large scrape does not block probes' timers. */
export const gzip = promisify(gzipCb);

/**
 * Whether an Accept-Encoding header allows gzip (RFC 9110 12.5.3): named explicitly or
 * through "*", and not with q=0. An explicit "gzip" entry wins over "*".
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  let wildcard: boolean | undefined;
  for (const entry of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [coding = '', ...params] = entry.split(';').map((s) => s.trim());
    const name = coding.toLowerCase();
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.find((p) => /^q\s*=/i.test(p));
    const allowed = q === undefined || Number(q.slice(q.indexOf('=') + 1).trim()) > 0;
    if (name === 'gzip') return allowed;
    wildcard = allowed;
  }
  return wildcard ?? false;
}
