/**
 * What to tell an operator whose --web.listen-address cannot be used: the errors the kernel
 * gives for an address or port, as one line that says what to do. Undefined for anything
 * else, which is a bug and keeps its stack.
 */
export function listenFailure(err: unknown, listenAddress: string): string | undefined {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).syscall !== 'listen') return undefined;
  const where = `cannot listen on ${listenAddress}`;
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `${where}: the port is in use by another process; stop it or choose another --web.listen-address`;
    case 'EACCES':
      return `${where}: ports below 1024 need root or CAP_NET_BIND_SERVICE; choose one above 1023`;
    case 'EADDRNOTAVAIL':
      return `${where}: this machine has no such address; give one of its addresses, or :PORT for all of them`;
    default:
      return undefined;
  }
}
