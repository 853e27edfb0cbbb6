/** Extra labels of a monitor's series, names sorted. */
export type Labels = Readonly<Record<string, string>>;

export const NO_LABELS: Labels = Object.freeze({});

/** Label sets compared so far, by object: most targets share a few sets, each written out once. */
const keys = new WeakMap<Labels, string>();

/** Equal for the same labels in the same order (names are sorted at config load). */
export function sameLabels(a: Labels, b: Labels): boolean {
  return a === b || keyOf(a) === keyOf(b);
}

function keyOf(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(labels);
    keys.set(labels, key);
  }
  return key;
}
