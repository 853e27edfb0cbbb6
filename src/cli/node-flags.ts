/**
 * The Node.js flags the daemon is started with: by the image's ENTRYPOINT, `npm start` and the
 * benchmark (test/deploy checks the first two). From Node.js 20 on, V8 sizes the young
 * generation from the memory it sees, and Node.js 22 and later let it grow to 64 MiB
 * semi-spaces on a large host: a fixed maximum keeps portwatch's memory alike on every host,
 * in or out of a container limit (docs/performance.md, "The young generation").
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
