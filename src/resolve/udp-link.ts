import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Nameserver } from './resolv-conf.js';

/**
 * A connected UDP socket to one name server, kept for one lookup as glibc keeps its socket
 * per server: a late answer to an earlier try, or an ICMP error, waits on it until the
 * server's next turn, and connecting is what makes ICMP "port unreachable" an error here.
 */
export class UdpLink {
  readonly #socket: dgram.Socket;
  #onMessage: ((msg: Buffer) => void) | undefined;
  #onError: ((err: Error) => void) | undefined;
  readonly #backlog: Buffer[] = [];
  #pendingError: Error | undefined;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (msg) => {
      if (this.#onMessage !== undefined) this.#onMessage(msg);
      else if (this.#backlog.length < BACKLOG) this.#backlog.push(msg);
    });
    socket.on('error', (err) => {
      if (this.#onError !== undefined) this.#onError(err);
      else this.#pendingError ??= err;
    });
  }

  /** A socket connected to `server`; rejects when it cannot be made (no descriptor, bad address). */
  static open(server: Nameserver): Promise<UdpLink> {
    return new Promise((resolve, reject) => {
      let socket: dgram.Socket;
      try {
        socket = dgram.createSocket(isIPv6(server.address.split('%')[0]!) ? 'udp6' : 'udp4');
      } catch (err) {
        reject(err);
        return;
      }
      const failed = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', failed);
      socket.connect(server.port, server.address, (err?: Error) => {
        socket.off('error', failed);
        if (err) failed(err);
        else resolve(new UdpLink(socket));
      });
    });
  }

  /** Sends `messages` and hands every reply (those that waited first) to `onMessage` until stop(). */
  exchange(messages: readonly Buffer[], onMessage: (msg: Buffer) => void, onError: (err: Error) => void): void {
    this.#onMessage = onMessage;
    this.#onError = onError;
    const pending = this.#pendingError;
    this.#pendingError = undefined;
    if (pending !== undefined) {
      onError(pending);
      return;
    }
    for (const msg of this.#backlog.splice(0)) if (this.#onMessage === onMessage) onMessage(msg);
    // A reply that waited may have ended the exchange: then nothing is sent again.
    if (this.#onMessage !== onMessage) return;
    for (const msg of messages) {
      try {
        this.#socket.send(msg, (err) => {
          if (err && this.#onError === onError) onError(err);
        });
      } catch (err) {
        onError(err as Error);
        return;
      }
    }
  }

  stop(): void {
    this.#onMessage = undefined;
    this.#onError = undefined;
  }

  close(): void {
    this.stop();
    try {
      this.#socket.close();
    } catch {
      // Already closed after an error.
    }
  }
}

/** Late replies kept between a server's turns: one per query is all glibc's socket buffer holds that matters. */
const BACKLOG = 8;
