/**
 * Access lines: the refused-upgrade rate limit exactly on virtual time; then a real bridge with a
 * real client and hostile upgrades.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { FakeClock } from '../connmgr/test-helpers.ts';
import { MAX_LOGGED_VALUE_CHARS, REFUSED_LINES_PER_WINDOW, REFUSED_WINDOW_MS, RefusedUpgradeLog, truncateValue } from './access-log.ts';
import { capturingLogger, startStack } from './testing.ts';
import { waitFor } from '../test-support.ts';

test('refused upgrades: at most REFUSED_LINES_PER_WINDOW lines a window, then one summary with the causes', async () => {
  const clock = new FakeClock(0);
  const log = capturingLogger();
  const refusals = new RefusedUpgradeLog(log, clock);
  for (let i = 0; i < 1000; i += 1)
    refusals.refused({ cause: i % 2 === 0 ? 'origin' : 'path', status: 403, remote: `127.0.0.1:${i}`, origin: 'http://evil' });
  assert.equal(log.records.length, REFUSED_LINES_PER_WINDOW);
  assert.deepEqual(log.records[0], {
    level: 'warn',
    message: 'ws upgrade refused',
    fields: { cause: 'origin', status: 403, remote: '127.0.0.1:0', origin: 'http://evil' },
  });
  await clock.advance(REFUSED_WINDOW_MS - 1);
  assert.equal(log.records.length, REFUSED_LINES_PER_WINDOW, 'no summary before the window ends');
  await clock.advance(1);
  assert.deepEqual(log.records.at(-1), {
    level: 'warn',
    message: `… 990 more refused upgrades in the last ${REFUSED_WINDOW_MS / 1000} s`,
    fields: { suppressed: 990, causes: { origin: 495, path: 495 } },
  });
  assert.equal(clock.pendingTimers, 0, 'a quiet bridge holds no timer');

  // A new window: lines again; close() writes its summary and stops the timer.
  for (let i = 0; i < REFUSED_LINES_PER_WINDOW + 2; i += 1) refusals.refused({ cause: 'host', status: 403, remote: '127.0.0.1:1' });
  assert.equal(log.records.length, 2 * REFUSED_LINES_PER_WINDOW + 1);
  refusals.close();
  assert.deepEqual(log.records.at(-1)?.fields, { suppressed: 2, causes: { host: 2 } });
  assert.equal(clock.pendingTimers, 0);
});

test('truncateValue keeps MAX_LOGGED_VALUE_CHARS characters and says how long the value was', () => {
  assert.equal(truncateValue('short'), 'short');
  const long = 'x'.repeat(5000);
  assert.equal(truncateValue(long), `${'x'.repeat(MAX_LOGGED_VALUE_CHARS)}… (5000 chars)`);
});

/** An upgrade request with any headers; resolves with the HTTP status of the refusal. */
function upgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('upgrade accepted'));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a real bridge: one line per session when it ends, one per refused upgrade with its cause and the offending value', async (t) => {
  const log = capturingLogger();
  const stack = await startStack({ logger: log, maxClients: 1 });
  t.after(() => stack.stop());
  const { bridge } = stack;
  const origin = `http://127.0.0.1:${bridge.port}`;

  const ws = new WebSocket(bridge.wsUrl, { origin });
  await once(ws, 'message'); // hello
  ws.send('not json');
  await once(ws, 'message'); // its error reply

  // Refused: wrong path, an Origin that is not this server, an overlong Origin, one client too many.
  const refused = await Promise.all([
    upgrade(bridge.port, '/nope?q=1', {}),
    upgrade(bridge.port, '/ws', { origin: 'http://evil.example' }),
    upgrade(bridge.port, '/ws', { origin: `http://${'a'.repeat(3000)}.example` }),
    upgrade(bridge.port, '/ws', { origin }),
  ]);
  assert.deepEqual(refused, [404, 403, 400, 503]);
  const lines = log.records.filter((r) => r.message.startsWith('ws upgrade refused'));
  const byCause = new Map(lines.map((r) => [r.fields.cause, r.fields]));
  assert.equal(lines.length, 4);
  assert.ok(lines.every((r) => r.level === 'warn' && /^127\.0\.0\.1:\d+$/.test(String(r.fields.remote))));
  assert.deepEqual(byCause.get('path'), { cause: 'path', status: 404, remote: byCause.get('path')?.remote, path: '/nope?q=1' });
  assert.equal(byCause.get('origin')?.origin, 'http://evil.example');
  assert.equal(byCause.get('origin')?.status, 403);
  assert.equal(byCause.get('header-too-long')?.status, 400);
  // 'http://' and 193 a's: the first MAX_LOGGED_VALUE_CHARS (200) characters of the 3,015.
  assert.match(String(byCause.get('header-too-long')?.origin), /^http:\/\/a{193}… \(3015 chars\)$/);
  assert.deepEqual([byCause.get('max-clients')?.status, byCause.get('max-clients')?.origin], [503, origin]);
  // /metrics counts the overlong header under its header's name.
  assert.deepEqual(bridge.stats().upgradesRefused, { origin: 2, host: 0, path: 1, 'max-clients': 1 });

  ws.close(1000, 'done here');
  await waitFor(() => log.records.some((r) => r.message === 'ws session ended'), 'the session line', 5000);
  const session = log.records.find((r) => r.message === 'ws session ended')!;
  assert.equal(session.level, 'info');
  const { remote, durationMs, ...rest } = session.fields;
  assert.match(String(remote), /^127\.0\.0\.1:\d+$/);
  assert.ok(typeof durationMs === 'number' && durationMs >= 0);
  assert.deepEqual(rest, { origin, canControl: true, framesReceived: 1, messagesSent: 2, code: 1000, reason: 'done here' });
});
