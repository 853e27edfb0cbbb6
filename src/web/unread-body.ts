// A request answered before its body has all arrived (401, 413, /-/healthy with a body): Node
// would read the rest of the body and throw it away to keep the connection for a next request,
// however long the body (gigabytes, chunked, for as long as the client sends). Instead the
// answer says `Connection: close` and the connection stops reading: at most the limit and what
// the socket's buffers hold are read, then it is closed once the answer is out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';

type App<L extends FastifyBaseLogger> = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>;

export function closeAfterUnreadBody<L extends FastifyBaseLogger>(app: App<L>): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const req = request.raw;
    if (req.complete) return payload;
    reply.header('Connection', 'close');
    stopReading(req);
    return payload;
  });
}

/** A client still sending when its connection closes with bytes unread gets a reset that may discard the answer. */
const LINGER_MS = 1_000;

/** Leaves the rest of `req`'s body unread; the connection ends (FIN) after the answer and is closed a second later. */
export function stopReading(req: IncomingMessage): void {
  req.pause();
  // A request read from (even nothing) is one Node does not drain after the answer (its
  // resOnFinish dumps only bodies never read); the stream's buffer, full, stops the socket.
  req.read(0);
  // Node ends a `Connection: close` answer with destroySoon(): the end of the answer, then at
  // once a close that resets the client. The client is given time to read the answer first.
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
