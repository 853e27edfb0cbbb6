// Password hashes as exporter-toolkit takes them: it checks each with Go's bcrypt.Cost, which
// wants at least 59 characters, "$", a major version up to 2, an optional minor letter, "$",
// a two-digit cost from 4 to 31, then salt and hash. Go then compares without regard to the
// version letters and reads 22 characters of salt and 31 of hash, so each hash is rewritten to
// the one form bcryptMatches (bcrypt.ts) compares the same way.

export const HASH_HELP = `generate one with: htpasswd -nBC 10 "" | tr -d ':\\n'`;

const MIN_LENGTH = 59;

/** Why Go's bcrypt.Cost would refuse `hash`, or undefined. Never quotes it: it may be a password in clear. */
export function bcryptProblem(hash: string): string | undefined {
  const parsed = parse(hash);
  return typeof parsed === 'string' ? `${parsed}; ${HASH_HELP}` : undefined;
}

/** `hash` as "$2b$CC$" + salt and hash, compared then as Go would; unchanged when Go would refuse it. */
export function comparableHash(hash: string): string {
  const parsed = parse(hash);
  if (typeof parsed === 'string') return hash;
  return `$2b$${String(parsed.cost).padStart(2, '0')}$${parsed.rest.slice(0, 53)}`;
}

function parse(hash: string): { cost: number; rest: string } | string {
  if (hash.length < MIN_LENGTH) return 'not a bcrypt hash (too short)';
  if (hash[0] !== '$') return 'not a bcrypt hash (it must start with "$2")';
  if (hash.charCodeAt(1) > '2'.charCodeAt(0)) return 'not a bcrypt hash (its version is newer than 2)';
  const costAt = hash[2] === '$' ? 3 : 4;
  const digits = hash.slice(costAt, costAt + 2);
  // Go's strconv.Atoi: an optional sign, then digits.
  const cost = /^[+-]?\d+$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) return 'not a bcrypt hash (its cost is not 04 to 31)';
  // Go skips the character after the cost without looking at it.
  return { cost, rest: hash.slice(costAt + 3) };
}
