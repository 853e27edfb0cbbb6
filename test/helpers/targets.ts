import type { Target } from '../../src/state/target.js';
import type { Config } from '../../src/config/types.js';
import { PortStore } from '../../src/state/store.js';

/** The targets a daemon checks for `config`, by id, in configuration order: its store's entries, without records. */
export function targetsOf(config: Config): ReadonlyMap<string, Target> {
  const store = new PortStore();
  store.setTargets(config.monitors);
  return store.targets();
}
