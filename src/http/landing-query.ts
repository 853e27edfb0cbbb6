// The landing page's query parameters: which ports to list and which page of them. Plain
// links and a GET form write them; anything else is refused with the parameter and why.
import type { PortState } from '../types.js';

/** Rows of ports per page: a page stays small enough for a phone, however many ports there are. */
export const PAGE_SIZE = 100;
/** Monitors and service-discovery sources listed at most; those with problems come first. */
export const MAX_LISTED = 200;

export const PORT_STATES: readonly PortState[] = ['open', 'closed', 'filtered', 'open|filtered', 'error'];
const PARAMETERS = ['monitor', 'host', 'state', 'page'] as const;
/** Longer than any host name or monitor name can be: a typo or an attack, not a filter. */
const MAX_VALUE_LENGTH = 1024;
const PAGE_NUMBER = /^[1-9][0-9]{0,8}$/;

export interface LandingQuery {
  /** Only this monitor's ports; undefined: every monitor. */
  readonly monitor: string | undefined;
  /** Only this host's ports, spelled as configured or discovered. */
  readonly host: string | undefined;
  readonly state: PortState | undefined;
  /** 1-based. */
  readonly page: number;
}

export const ALL_PORTS: LandingQuery = { monitor: undefined, host: undefined, state: undefined, page: 1 };

/** A query parameter the page cannot use; the message names it and says why. */
export class LandingQueryError extends Error {
  override readonly name = 'LandingQueryError';
}

/**
 * The filters and page of a query string. An empty value means "any", as an empty form
 * field sends it; an unknown parameter, one given twice, a monitor not configured, a state
 * that is none and a page that is no number are errors.
 */
export function parseLandingQuery(search: URLSearchParams, monitors: readonly string[]): LandingQuery {
  const values = new Map<string, string>();
  for (const [name, value] of search) {
    if (!(PARAMETERS as readonly string[]).includes(name)) {
      const known = PARAMETERS.join(', ');
      throw new LandingQueryError(`unknown parameter ${JSON.stringify(name)}: this page takes ${known}`);
    }
    if (values.has(name)) throw new LandingQueryError(`${name}: given more than once; give it once`);
    if (value.length > MAX_VALUE_LENGTH) {
      throw new LandingQueryError(`${name}: longer than ${MAX_VALUE_LENGTH} characters`);
    }
    if (value !== '') values.set(name, value);
  }
  const monitor = values.get('monitor');
  if (monitor !== undefined && !monitors.includes(monitor)) {
    throw new LandingQueryError(`monitor: no monitor named ${JSON.stringify(monitor)} is configured`);
  }
  const state = values.get('state');
  if (state !== undefined && !(PORT_STATES as readonly string[]).includes(state)) {
    throw new LandingQueryError(`state: ${JSON.stringify(state)} is not one of ${PORT_STATES.join(', ')}`);
  }
  const page = values.get('page') ?? '1';
  if (!PAGE_NUMBER.test(page)) {
    throw new LandingQueryError(`page: ${JSON.stringify(page)} is not a page number (1, 2, 3, ...)`);
  }
  return { monitor, host: values.get('host'), state: state as PortState | undefined, page: Number(page) };
}
