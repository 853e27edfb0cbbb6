// A change of many jobs as steps, one job each, for SlicedWork. Intervals are read when a
// step runs, through `jobOf`: a step that runs late uses the newest one.
import type { Job, Scheduler } from './scheduler.js';

export function* removeSteps(scheduler: Scheduler, ids: Iterable<string>): Generator<boolean, void, undefined> {
  for (const id of ids) yield scheduler.remove(id);
}

export function* addSteps<T>(scheduler: Scheduler, items: Iterable<T>, jobOf: (item: T) => Job) {
  for (const item of items) yield scheduler.add(jobOf(item));
}

/** Jobs unknown to the scheduler (removed, or not added yet) are passed over. */
export function* rescheduleSteps<T>(scheduler: Scheduler, items: Iterable<T>, jobOf: (item: T) => Job) {
  for (const item of items) {
    const { id, intervalMs } = jobOf(item);
    yield scheduler.reschedule(id, intervalMs);
  }
}
