// Refuses requests that change something (POST, PUT, ...) when a browser says they come from
// another site: a page elsewhere could otherwise make a browser that holds the Basic
// credentials post a form to /-/reload or /api/v1/check. The rules are those of Go's
// net/http CrossOriginProtection: GET, HEAD and OPTIONS always pass; Sec-Fetch-Site (sent by
// every browser since 2023) must be same-origin or none; without it, an Origin must name the
// host the request was sent to; a request with neither is no browser's and passes.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestOrigin {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
}

/** Why the request is refused as cross-origin, or undefined when it may go on. */
export function crossOriginRefusal(req: RequestOrigin): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  if (req.secFetchSite !== undefined) {
    if (req.secFetchSite === 'same-origin' || req.secFetchSite === 'none') return undefined;
    return `cross-origin request refused (Sec-Fetch-Site: ${req.secFetchSite})`;
  }
  if (req.origin === undefined) return undefined;
  if (originHost(req.origin) === req.host?.toLowerCase()) return undefined;
  return 'cross-origin request refused (Origin does not match Host)';
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
