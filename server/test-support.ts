/**
 * The server's one test-support module for the jobs every suite has: waiting for a condition no
 * event announces, a loopback address nothing listens on, and a logger that says nothing. The
 * suites' own helpers (server/connmgr/test-helpers.ts, server/bridge/testing.ts,
 * server/lab/testing.ts) build on it. Imports nothing of the project, so any layer's tests may
 * use it. Not used by the server itself.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * Polls `probe` (every 10 ms) until it returns a truthy value, and resolves with that value; fails
 * after `timeoutMs` naming `what` it waited for (a function is read only then, so it can report what
 * a child process printed meanwhile). For socket, counter and process state that no event
 * announces — never a fixed sleep.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string | (() => string) = 'condition',
  timeoutMs = 5000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A loopback `host:port` nothing listens on (bound, then released): dials to it are refused. */
export async function refusedAddr(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Says nothing: fits the manager's `logger` and the structured loggers of the bridge and the app. */
export const quietLogger = { info: (): void => undefined, warn: (): void => undefined };
