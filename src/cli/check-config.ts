import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { checkSdFiles } from '../sd/check-files.js';
import { loadWebConfigFile, type WebConfig } from '../web/config.js';
import { parseCommandLine, UsageError } from './args.js';

const USAGE = 'usage: portwatch check-config [--web.config.file=FILE] [FILE...]\n';

/** `portwatch check-config`: 0 when every file is valid, 1 otherwise, 2 on misuse. */
export async function runCheckConfig(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(
      args,
      { 'web.config.file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      { positionals: true, hints: { 'web.config.file': 'a file name' } },
    );
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`portwatch check-config: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const webFile = parsed.values['web.config.file'];
  const files = parsed.positionals;
  if (files.length === 0 && webFile === undefined) {
    process.stderr.write(`portwatch check-config: nothing to check: give a config FILE or --web.config.file\n${USAGE}`);
    return 2;
  }
  let ok = webFile === undefined || (await checkWebConfig(webFile));
  for (const file of files) ok = (await checkConfig(file)) && ok;
  return ok ? 0 : 1;
}

async function checkConfig(file: string): Promise<boolean> {
  try {
    const config = await loadConfigFile(file, { offThread: false });
    const portsOf = (m: (typeof config.monitors)[number]) => m.expectOpen.length + m.expectClosed.length;
    const targets = config.monitors.reduce((n, m) => n + m.hosts.length * portsOf(m), 0);
    const sd = await checkSdFiles(config);
    const discovered = config.monitors.some((m) => m.fileSd || m.httpSd) ? ' before service discovery' : '';
    const monitors = config.monitors.length;
    process.stdout.write(`${file}: OK: ${monitors} monitors, ${targets} host:port targets${discovered}\n`);
    for (const line of sd.lines) (line.problem ? process.stderr : process.stdout).write(`${line.text}\n`);
    return sd.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return false;
  }
}

/** The web config as the daemon would load it, its certificate files included; warnings do not fail it. */
async function checkWebConfig(file: string): Promise<boolean> {
  try {
    const web = await loadWebConfigFile(file);
    process.stdout.write(`${file}: OK: ${describeWeb(web)}\n`);
    for (const warning of web.warnings) process.stderr.write(`warning: ${warning}\n`);
    return true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return false;
  }
}

function describeWeb(web: WebConfig): string {
  const tls = web.tls?.settings;
  const parts = [
    tls === undefined ? 'plain HTTP' : `HTTPS (${versions(tls.minVersion, tls.maxVersion)}, ${tls.clientAuth})`,
    web.users.size === 0 ? 'no basic auth' : `${web.users.size} basic auth users`,
  ];
  if (Object.keys(web.headers).length > 0) parts.push(`headers ${Object.keys(web.headers).join(', ')}`);
  const limit = web.rateLimit;
  if (limit) parts.push(`rate limit: 1 request every ${limit.intervalMs} ms, bursts of ${limit.burst}`);
  return parts.join(', ');
}

function versions(min: string, max: string): string {
  return min === max ? min : `${min}-${max}`;
}
