/**
 * The two ways TCP probes connect (src/probe/tcp.ts), with the env(1) arguments that pick
 * each in a child process whatever the test runner's own environment says.
 */
export const PROBE_PATHS = [
  { path: 'tcp_wrap', env: ['-u', 'PORTWATCH_PROBE_NET'] },
  { path: 'net', env: ['PORTWATCH_PROBE_NET=1'] },
] as const;
