// A port and its protocol as one number, so that port lists stay plain sorted number
// arrays: a TCP port is itself (a TCP-only list is exactly its ports, as before UDP
// existed), a UDP port is UDP_KEY_OFFSET + port, so every UDP key sorts after every TCP key.
import type { Protocol } from '../types.js';

/** port for TCP, UDP_KEY_OFFSET + port for UDP. */
export type PortKey = number;

export const UDP_KEY_OFFSET = 0x10000;

export function portKey(protocol: Protocol, port: number): PortKey {
  return protocol === 'udp' ? UDP_KEY_OFFSET + port : port;
}

export function protocolOfKey(key: PortKey): Protocol {
  return key > UDP_KEY_OFFSET ? 'udp' : 'tcp';
}

export function portOfKey(key: PortKey): number {
  return key > UDP_KEY_OFFSET ? key - UDP_KEY_OFFSET : key;
}

/** As the config notation writes it: "80" for TCP, "53/udp" for UDP. */
export function formatPortKey(key: PortKey): string {
  return key > UDP_KEY_OFFSET ? `${key - UDP_KEY_OFFSET}/udp` : String(key);
}
