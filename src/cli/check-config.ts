import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { checkSdFiles } from '../sd/check-files.js';

/** `portwatch check-config FILE...`: 0 when every file is valid, 1 otherwise, 2 on misuse. */
export async function runCheckConfig(args: string[]): Promise<number> {
  if (args.length === 0 || args.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: portwatch check-config FILE...\n');
    return 2;
  }
  let failed = false;
  for (const file of args) {
    try {
      const config = await loadConfigFile(file);
      const targets = config.monitors.reduce((n, m) => n + m.hosts.length * (m.expectOpen.length + m.expectClosed.length), 0);
      const sd = await checkSdFiles(config);
      const discovered = config.monitors.some((m) => m.fileSd || m.httpSd) ? ' before service discovery' : '';
      process.stdout.write(`${file}: OK: ${config.monitors.length} monitors, ${targets} host:port targets${discovered}\n`);
      for (const line of sd.lines) (line.problem ? process.stderr : process.stdout).write(`${line.text}\n`);
      if (!sd.ok) failed = true;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      failed = true;
      process.stderr.write(`${err.message}\n`);
    }
  }
  return failed ? 1 : 0;
}
