import type { PortRecord } from './port-record.js';

/**
 * The records of one target, one per address: the record itself while there is one (nearly
 * every target), an array for more. Kept for bench scenario 1's goal (RSS <= 150 MB): an
 * array for each of 65535 targets costs more than that goal leaves (docs/performance.md).
 */
export type AddressRecords = PortRecord | PortRecord[];

/** The records as a list; an array of its own for one record, so callers may keep it. */
export function listOf(held: AddressRecords): PortRecord[] {
  return Array.isArray(held) ? held : [held];
}

/** How a list of records is kept: none is undefined, one is the record itself. */
export function heldAs(list: PortRecord[]): AddressRecords | undefined {
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : list;
}

export function findRecord(held: AddressRecords | undefined, ip: string): PortRecord | undefined {
  if (held === undefined) return undefined;
  if (!Array.isArray(held)) return held.ip === ip ? held : undefined;
  for (const r of held) if (r.ip === ip) return r;
  return undefined;
}

/** Each record, without the array listOf makes for one. */
export function forEachRecordIn(held: AddressRecords, visit: (record: PortRecord) => void): void {
  if (!Array.isArray(held)) visit(held);
  else for (const r of held) visit(r);
}
