/**
 * SIGHUPs received before the daemon could act on them. src/cli.ts takes the signal over at
 * its first instruction (its default action ends the process, and start-up may take seconds)
 * and hands it on with this.
 */
export interface Hangups {
  /** From now on SIGHUP calls `handler`; one call at once if any arrived before. */
  take(handler: () => void): void;
  /** SIGHUP does what it does by default again, at once if one arrived before (for the sub-commands). */
  release(): void;
}
