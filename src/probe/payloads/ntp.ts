/** Seconds from the NTP era 0 origin (1900-01-01) to the Unix epoch (RFC 5905 §6). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/**
 * An NTPv4 client request (RFC 5905 §7.3): 48 octets, the first LI 0, VN 4, mode 3
 * (client), every other field zero but the transmit timestamp (§7.3, the last 8
 * octets), which the server copies into its answer's origin timestamp.
 */
export function ntpClientRequest(nowMs: number): Buffer {
  const packet = Buffer.alloc(48);
  packet[0] = (0 << 6) | (4 << 3) | 3;
  const seconds = Math.floor(nowMs / 1000) + NTP_UNIX_OFFSET;
  packet.writeUInt32BE(seconds >>> 0, 40);
  packet.writeUInt32BE(Math.floor(((nowMs % 1000) / 1000) * 2 ** 32) >>> 0, 44);
  return packet;
}
