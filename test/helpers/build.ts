import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests that run portwatch as a process (the CLI, the daemon, probes inside network
// namespaces) need dist/ to match src/. Type errors are reported by `npm run typecheck`;
// here an emit is all that matters, so a failing tsc only warns.
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
    process.stderr.write(`warning: tsc reported errors while building dist/ for tests:\n${out}\n`);
  }
}
