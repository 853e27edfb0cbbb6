import type { ProbeResult } from '../types.js';
import type { AttemptReading } from './limiter.js';

/** How the limiter reads any prober's result: open and closed are answers from the address. */
export const probeResultReading: AttemptReading<ProbeResult> = {
  answerSeconds: (result) =>
    result.state === 'open' || result.state === 'closed' ? result.durationSeconds : undefined,
  outOfDescriptors: (result) => result.reason === 'fd-exhausted',
};
