import { connect, createServer } from 'node:net';
import { FkError, isFkError } from '../errors.js';

/** A currently free TCP port on the loopback interface (the OS picks it: listen on port 0). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server on `port`, or on a free loopback port when it is undefined or 0. freePort()
 * releases its probe before the server binds, so another process may take the port in between:
 * the server then exits at once (E_PROCESS_EXITED) and we try another port. Any other failure (a
 * missing binary, a start-up timeout) is not worth another port.
 */
export async function startOnPort<T>(
  port: number | undefined,
  start: (port: number) => Promise<T>,
): Promise<{ port: number; started: T }> {
  if (port !== undefined && port !== 0) return { port, started: await start(port) };
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const free = await freePort();
    try {
      return { port: free, started: await start(free) };
    } catch (e) {
      last = e;
      if (!(isFkError(e) && e.code === 'E_PROCESS_EXITED')) throw e;
    }
  }
  throw last;
}

/** The front port a stage was asked for (0 = any) is checked before anything starts: E_PORT_IN_USE. */
export function assertFrontPortFree({ port }: { port?: number }, host = '127.0.0.1'): Promise<void> {
  if (port === undefined || port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(new FkError('E_PORT_IN_USE', `port ${port} on ${host} is already in use`));
      } else {
        reject(err);
      }
    });
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** True once a TCP connect to host:port succeeds. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
