/**
 * What a hostile or careless client can cost the bridge, on real sockets: over-long Host and
 * Origin headers, too many WebSocket clients, headers that never finish.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { assertHandlesBackTo, tcpHandleCount } from '../connmgr/test-helpers.ts';
import { MAX_HOST_HEADER_CHARS } from './access.ts';
import { startBridge } from './bridge.ts';
import { TestClient, fastestMs, startManager, startStack } from './testing.ts';
import { waitFor } from '../test-support.ts';

/** A raw socket to the bridge (nothing normalized, as an attacker would send it). */
async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Sends `text` and resolves with everything the server answered, once it closed the socket. */
async function exchange(port: number, text: string): Promise<string> {
  const socket = await rawSocket(port);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  const closed = once(socket, 'close');
  socket.write(text);
  await closed;
  return answer;
}

function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  return `GET /ws HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

test('an upgrade with a 16 kB Origin is refused as fast as one with a short foreign Origin', async (t) => {
  const baseline = tcpHandleCount();
  const stack = await startStack();
  try {
    const port = stack.bridge.port;
    // Once a backtracking regex: 112–322 ms of event loop per request, before authentication.
    const hostile = upgradeRequest(port, { Origin: `http:${'/'.repeat(16_000)}a` });
    const foreign = upgradeRequest(port, { Origin: 'http://evil.example' });
    assert.match(await exchange(port, foreign), /^HTTP\/1\.1 403 /);
    const answer = await exchange(port, hostile);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, new RegExp(`Origin header is 16006 characters long; at most ${MAX_HOST_HEADER_CHARS}`));

    const short = await fastestMs(() => exchange(port, foreign));
    const long = await fastestMs(() => exchange(port, hostile));
    t.diagnostic(`fastest refusal: short Origin ${short.toFixed(2)} ms, 16 kB Origin ${long.toFixed(2)} ms`);
    assert.ok(long < short * 10, `16 kB Origin: ${long.toFixed(2)} ms; short: ${short.toFixed(2)} ms`);
    assert.equal(stack.bridge.stats().upgradesRefused.origin, 1 + 1 + 5 + 5);
  } finally {
    await stack.stop();
  }
  await assertHandlesBackTo(baseline);
});

test('HTTP requests and upgrades with an over-long Host get 400 with the reason', async () => {
  const baseline = tcpHandleCount();
  const stack = await startStack();
  try {
    const port = stack.bridge.port;
    const longHost = `${'a'.repeat(MAX_HOST_HEADER_CHARS)}.localhost:${port}`;
    const get = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: ${longHost}\r\nConnection: close\r\n\r\n`);
    assert.match(get, /^HTTP\/1\.1 400 /);
    assert.match(get, /Host header is \d+ characters long/);
    const upgrade = await exchange(port, upgradeRequest(port, { Host: longHost }));
    assert.match(upgrade, /^HTTP\/1\.1 400 /);
    assert.equal(stack.bridge.stats().upgradesRefused.host, 1);
    // Under the cap, a loopback name is this server.
    const ok = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: app.localhost:${port}\r\nConnection: close\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 /);
  } finally {
    await stack.stop();
  }
  await assertHandlesBackTo(baseline);
});

test('Host [::ffff:127.0.0.1]:port (IPv4-mapped loopback) reaches a loopback server', async () => {
  const stack = await startStack();
  try {
    const port = stack.bridge.port;
    const answer = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: [::ffff:127.0.0.1]:${port}\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const client = await TestClient.connect(stack.bridge.wsUrl, { origin: `http://[::ffff:127.0.0.1]:${port}` });
    assert.equal((await client.hello()).canControl, true);
    await client.close();
  } finally {
    await stack.stop();
  }
});

test('past maxClients an upgrade gets 503 naming the limit; a freed place is taken again', async () => {
  const baseline = tcpHandleCount();
  const stack = await startStack({ maxClients: 3 });
  const clients: TestClient[] = [];
  try {
    const port = stack.bridge.port;
    for (let i = 0; i < 3; i++) clients.push(await TestClient.connect(stack.bridge.wsUrl));
    await Promise.all(clients.map((c) => c.hello()));
    const refused = await exchange(port, upgradeRequest(port));
    assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(refused, /content-type: text\/plain/i);
    assert.match(refused, /too many clients: this server takes at most 3 WebSocket clients at once \(maxClients, --max-clients\)/);
    await assert.rejects(TestClient.connect(stack.bridge.wsUrl), /HTTP 503/);
    assert.equal(stack.bridge.stats().clients, 3);
    assert.equal(stack.bridge.stats().upgradesRefused['max-clients'], 2);
    const metrics = await (await fetch(`${stack.bridge.url}/metrics`)).text();
    assert.match(metrics, /^connscope_ws_upgrades_refused_total\{cause="max-clients"\} 2$/m);

    const gone = clients.shift()!;
    await gone.close();
    await waitFor(() => stack.bridge.stats().clients === 2, 'the closed client to be forgotten');
    const next = await TestClient.connect(stack.bridge.wsUrl);
    clients.push(next);
    assert.equal((await next.hello()).type, 'hello');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stack.stop();
  }
  await assertHandlesBackTo(baseline);
});

test('a client that never finishes its headers gets 408 and is closed after headersTimeoutMs', { timeout: 15_000 }, async () => {
  const baseline = tcpHandleCount();
  const headersTimeoutMs = 300;
  const stack = await startStack({ headersTimeoutMs, requestTimeoutMs: headersTimeoutMs });
  const client = await TestClient.connect(stack.bridge.wsUrl); // upgraded: no longer an HTTP request
  try {
    const port = stack.bridge.port;
    const partial = await rawSocket(port);
    let answer = '';
    partial.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const started = performance.now();
    const closed = once(partial, 'close');
    partial.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `); // …and nothing more
    await closed; // the test's own timeout is the bound
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(performance.now() - started >= headersTimeoutMs - 20, 'not before the timeout');

    // An upgrade is held to the same rule.
    const slowUpgrade = await rawSocket(port);
    let upgradeAnswer = '';
    slowUpgrade.on('data', (chunk: Buffer) => (upgradeAnswer += chunk.toString('latin1')));
    const upgradeClosed = once(slowUpgrade, 'close');
    slowUpgrade.write(upgradeRequest(port).slice(0, -2)); // every header but not the blank line
    await upgradeClosed;
    assert.match(upgradeAnswer, /^HTTP\/1\.1 408 /);

    // Both timeouts have passed twice over: the WebSocket client is still served.
    assert.ok((await client.request({ type: 'setTargetOutbound', n: 1 })).ok);
  } finally {
    await client.close();
    await stack.stop();
  }
  await assertHandlesBackTo(baseline);
});

test('the new options are validated', async () => {
  const manager = await startManager();
  try {
    await assert.rejects(startBridge({ manager, port: 0, maxClients: 0 }), /option maxClients/);
    await assert.rejects(
      startBridge({ manager, port: 0, headersTimeoutMs: 5000, requestTimeoutMs: 1000 }),
      /option requestTimeoutMs: must be >= headersTimeoutMs/,
    );
    await assert.rejects(
      startBridge({ manager, port: 0, allowedOrigins: ['https://ops.example/app'] }),
      /option allowedOrigins\.0: must be an http\(s\) origin/,
    );
    await assert.rejects(startBridge({ manager, port: 0, allowedOrigins: ['null'] }), /option allowedOrigins\.0/);
  } finally {
    await manager.stop();
  }
});
