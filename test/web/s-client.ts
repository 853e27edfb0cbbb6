// `openssl s_client` against a server on loopback, for handshakes a Node client would not
// attempt the same way (a given cipher, group or old protocol): what was negotiated, or the
// alert the server sent.
import { execFile } from 'node:child_process';
import { findBinary } from '../alerts/stack.js';
import { missingTool } from '../deploy/files.js';

export interface Handshake {
  connected: boolean;
  protocol: string | undefined;
  cipher: string | undefined;
  /** The key exchange group, e.g. X25519 or secp384r1. */
  group: string | undefined;
  /** stdout and stderr, for messages. */
  output: string;
}

/** Why openssl cannot be used here, or undefined (fails instead with PORTWATCH_REQUIRE_TOOLS=1). */
export function missingOpenssl(): string | undefined {
  return missingTool('openssl', 'Debian package openssl; .ci/run installs it');
}

/** One handshake with `args` added (e.g. -tls1_2 -cipher AES128-SHA), then the connection closed. */
export function sClient(port: number, args: string[]): Promise<Handshake> {
  const openssl = findBinary('openssl') ?? 'openssl';
  const all = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-brief', ...args];
  return new Promise((resolve) => {
    const child = execFile(openssl, all, { timeout: 10_000, killSignal: 'SIGKILL' }, (_err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const protocol = /^Protocol version: (\S+)/m.exec(output)?.[1];
      const cipher = /^Ciphersuite: (\S+)/m.exec(output)?.[1];
      const group = /^Server Temp Key: (?:ECDH, )?([^,\s]+)/m.exec(output)?.[1];
      resolve({ connected: /CONNECTION ESTABLISHED/.test(output), protocol, cipher, group, output });
    });
    child.stdin?.end();
  });
}
