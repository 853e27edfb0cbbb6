// The subject alternative names of a client certificate as Go writes them, for
// client_allowed_sans: exporter-toolkit compares each DNS name, email address, IP address
// (Go's form: IPv4 dotted, IPv6 compressed in lower case) and URI with the allowed list,
// exactly. Node gives them as one string, "DNS:a, IP Address:2001:DB8:0:0:0:0:0:1", with a
// value in JSON quotes when it holds a comma or a quote.
import { isIPv6 } from 'node:net';

const KEPT = new Set(['DNS', 'email', 'URI', 'IP Address']);

/** The names in Node's `subjectaltname` string, in Go's forms. */
export function goSans(subjectAltName: string | undefined): string[] {
  const out: string[] = [];
  for (const entry of splitEntries(subjectAltName ?? '')) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const type = entry.slice(0, colon);
    if (!KEPT.has(type)) continue;
    const raw = entry.slice(colon + 1);
    const value = raw.startsWith('"') ? unquote(raw) : raw;
    if (value === undefined) continue;
    out.push(type === 'IP Address' ? goIp(value) : value);
  }
  return out;
}

/** Splits at ", " outside JSON-quoted values. */
function splitEntries(text: string): string[] {
  const entries: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',' && text[i + 1] === ' ') {
      entries.push(text.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  if (start < text.length) entries.push(text.slice(start));
  return entries;
}

function unquote(raw: string): string | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Go's net.IP.String(): an IPv4-mapped address as IPv4, other IPv6 compressed (RFC 5952). */
function goIp(text: string): string {
  if (!isIPv6(text)) return text;
  const compressed = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [hi, lo] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}
