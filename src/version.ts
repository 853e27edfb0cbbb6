import { readFileSync } from 'node:fs';

// dist/version.js and src/version.ts both sit one level below package.json.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;

/** The embedded default config, found relative to the installed package rather than the working directory. */
export const DEFAULT_CONFIG_FILE: string = new URL('../config/portwatch.yaml', import.meta.url).pathname;
