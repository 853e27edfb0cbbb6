/**
 * A host's round-trip time, learnt from the answers its ports give (a SYN-ACK or a
 * refusal), smoothed as TCP does (RFC 6298): srtt and its mean deviation.
 */
export class RttEstimate {
  #srtt = 0;
  #rttvar = 0;
  #samples = 0;

  get samples(): number {
    return this.#samples;
  }

  observe(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) return;
    if (this.#samples === 0) {
      this.#srtt = seconds;
      this.#rttvar = seconds / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - seconds);
      this.#srtt = 0.875 * this.#srtt + 0.125 * seconds;
    }
    this.#samples++;
  }

  /**
   * How long an answer from this host can take, in ms: srtt + 4 rttvar (TCP's RTO), at
   * least floorMs. Undefined before the first answer: nothing is known yet.
   */
  answerWithinMs(floorMs: number): number | undefined {
    if (this.#samples === 0) return undefined;
    return Math.max(floorMs, (this.#srtt + 4 * this.#rttvar) * 1000);
  }
}
