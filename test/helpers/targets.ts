import type { CheckTarget } from '../../src/check/target.js';
import type { Config } from '../../src/config/types.js';
import { PortStore } from '../../src/state/store.js';

/** The targets a daemon checks for `config`, by id, in configuration order: its store's entries, without records. */
export function targetsOf(config: Config): ReadonlyMap<string, CheckTarget> {
  const store = new PortStore();
  store.setTargets(config.monitors);
  return store.targets();
}
