/** A column (typed array) copied into a longer one, which is returned. */
export function grown<A extends Float64Array | Int32Array | Uint8Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
