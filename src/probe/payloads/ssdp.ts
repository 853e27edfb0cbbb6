/**
 * A unicast SSDP search (UPnP Device Architecture 1.1 §1.3.2): M-SEARCH with HOST the
 * address and port searched, MAN "ssdp:discover" and ST ssdp:all; a unicast search has no MX.
 */
export function ssdpSearch(address: string, port: number): Buffer {
  const host = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  const lines = ['M-SEARCH * HTTP/1.1', `HOST: ${host}`, 'MAN: "ssdp:discover"', 'ST: ssdp:all', '', ''];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
