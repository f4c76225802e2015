/**
 * The built-in dialer on real loopback sockets: `tcpDialer` (the public one, with a signal) and
 * `tcpConnect` (the manager's own, with a callback) connect, fail with the system's code, and give
 * up when aborted.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { refusedAddr } from '../test-support.ts';
import { tcpConnect, tcpDialer } from './dialer.ts';

async function listening(t: { after(fn: () => unknown): void }): Promise<string> {
  const server = createServer((s) => s.on('error', () => undefined));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((r) => server.close(r)));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

test('tcpDialer connects, and rejects a refused dial with its code once the socket has closed', async (t) => {
  const socket = await tcpDialer(await listening(t), new AbortController().signal);
  assert.equal(socket.readyState, 'open');
  socket.destroy();
  await assert.rejects(tcpDialer(await refusedAddr(), new AbortController().signal), { code: 'ECONNREFUSED' });
});

test('tcpDialer gives up on abort (before and during the dial) with ABORT_ERR', async (t) => {
  const addr = await listening(t);
  const before = new AbortController();
  before.abort(new Error('no'));
  await assert.rejects(tcpDialer(addr, before.signal), { code: 'ABORT_ERR' });
  const during = new AbortController();
  const dial = tcpDialer(addr, during.signal);
  during.abort(new Error('changed my mind'));
  await assert.rejects(dial, { code: 'ABORT_ERR' });
});

test('tcpConnect calls back once: with the socket, or with the error; an abort after it connected changes nothing', async (t) => {
  const [host, port] = (await listening(t)).split(':');
  const calls: [Socket | undefined, Error | undefined][] = [];
  const connected = new Promise<void>((resolve) => {
    const attempt = tcpConnect({ host: host!, port: Number(port) }, (socket, err) => {
      calls.push([socket, err]);
      attempt.abort(new Error('too late')); // settled: nothing more
      resolve();
    });
  });
  await connected;
  assert.equal(calls.length, 1);
  assert.ok(calls[0]![0] && !calls[0]![0].destroyed && calls[0]![1] === undefined);
  calls[0]![0].destroy();

  const [rHost, rPort] = (await refusedAddr()).split(':');
  const failed = await new Promise<[Socket | undefined, Error | undefined]>((resolve) => {
    tcpConnect({ host: rHost!, port: Number(rPort) }, (socket, err) => resolve([socket, err]));
  });
  assert.equal(failed[0], undefined);
  assert.equal((failed[1] as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});
