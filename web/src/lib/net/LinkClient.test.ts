/**
 * LinkClient against a fake WebSocket and mocked timers. The class uses runes, so it is compiled
 * the way the page's build does it (test-support/runes-module.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { config, stats } from '../model/test-fixtures.ts';
import { loadRunesModule } from '../test-support/runes-module.ts';

/** What these tests use of LinkClient (its module is type-checked with the DOM lib, by web/tsconfig). */
interface LinkClientType {
  readonly status: 'connecting' | 'connected' | 'reconnecting';
  start(): void;
  stop(): void;
  reconnectNow(): void;
}
type LinkClientCtor = new (store: never, options: { url: string; reconnect?: { baseMs: number; capMs: number } }) => LinkClientType;

async function loadLinkClient(): Promise<LinkClientCtor> {
  const mod = await loadRunesModule<{ LinkClient: LinkClientCtor }>(new URL('./LinkClient.svelte.ts', import.meta.url));
  return mod.LinkClient;
}

class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeWebSocket[] = [];
  readyState = FakeWebSocket.CONNECTING;
  closedWith: number | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.all.push(this);
  }
  send(): void {}
  /** The page closes it (the close event is the browser's business, later). */
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = FakeWebSocket.CLOSED;
  }
  /** The connection failed or the server went away. */
  drop(code = 1006): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason: '' });
  }
}

/** Stands in for ConnectionsStore: `apply` (messages recorded), `runId`, `linkLost` and `wantJump` (counted). */
const fakeStore = {
  runId: null,
  losses: 0,
  jumps: [] as number[],
  applied: [] as string[],
  apply: (msg: { type: string }) => {
    fakeStore.applied.push(msg.type);
    return { kind: msg.type === 'hello' ? 'hello' : msg.type === 'events' ? 'events' : 'reply', mode: 'first', applied: 1, ignored: 0 };
  },
  linkLost: () => {
    fakeStore.losses += 1;
  },
  wantJump: (lagMs: number) => {
    fakeStore.jumps.push(lagMs);
  },
};

const STATS = stats();
const CONFIG = config;

describe('LinkClient: reconnecting', () => {
  let LinkClient: LinkClientCtor | undefined;
  let link: LinkClientType | null = null;

  beforeEach(async () => {
    LinkClient ??= await loadLinkClient();
    FakeWebSocket.all = [];
    fakeStore.losses = 0;
    fakeStore.jumps = [];
    fakeStore.applied = [];
    (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_700_000_000_000 });
  });
  afterEach(() => {
    link?.stop();
    link = null;
    mock.timers.reset();
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  function start(): LinkClientType {
    link = new LinkClient!(fakeStore as never, { url: 'ws://test/ws', reconnect: { baseMs: 500, capMs: 500 } });
    link.start();
    return link;
  }

  /**
   * `start()`, its socket open and a `hello` (plus `extra` fields) received: the client, its
   * socket, the time of the hello, and how to send it a message.
   */
  function openWithHello(extra: object = {}) {
    const l = start();
    const ws = FakeWebSocket.all[0]!;
    ws.readyState = FakeWebSocket.OPEN;
    const now = Date.now();
    const send = (msg: object) => ws.onmessage?.({ data: JSON.stringify({ v: 1, ...msg }) });
    send({
      type: 'hello',
      runId: 'r',
      resync: false,
      config: CONFIG,
      snapshot: { seq: 0, state: 'running', at: now, config: CONFIG, conns: [], listeners: [], stats: STATS },
      lab: null,
      canControl: true,
      ...extra,
    });
    return { l, ws, now, send };
  }

  /** A `manager:state` event numbered `seq`, stamped `at`. */
  const ev = (seq: number, at: number) => ({ seq, at, kind: 'manager:state', state: 'running' });

  /** Sockets the link opened and never closed: the one it uses, and any it forgot. */
  const unclosed = () => FakeWebSocket.all.filter((ws) => ws.readyState !== FakeWebSocket.CLOSED);

  test('a drop tells the model at once that it is stale (not only the header)', () => {
    const l = start();
    assert.equal(fakeStore.losses, 0);
    FakeWebSocket.all[0]!.drop();
    assert.equal(l.status, 'reconnecting');
    assert.equal(fakeStore.losses, 1);
    // A retry that fails again is the same outage, still reported (the model keeps the first time).
    mock.timers.tick(500);
    FakeWebSocket.all[1]!.drop();
    assert.equal(fakeStore.losses, 2);
  });

  test('"retry now" during a wait opens a socket at once', () => {
    const l = start();
    FakeWebSocket.all[0]!.drop();
    assert.equal(l.status, 'reconnecting');
    l.reconnectNow();
    assert.equal(FakeWebSocket.all.length, 2);
  });

  test('"retry now" while an attempt is already opening does not open (and leak) a second socket', () => {
    const l = start();
    FakeWebSocket.all[0]!.drop();
    mock.timers.tick(500); // the retry fires: a socket is opening, the status still says reconnecting
    assert.equal(FakeWebSocket.all.length, 2);
    assert.equal(l.status, 'reconnecting');
    l.reconnectNow();
    l.reconnectNow();
    assert.equal(FakeWebSocket.all.length, 2, 'no extra socket while one is opening');
    assert.equal(unclosed().length, 1);
  });

  test('a page that falls more than MAX_LAG_MS behind drops the backlog: the socket is replaced, the store told, no stale state', async () => {
    const { MAX_LAG_MS } = await import('./lag-policy.ts');
    const { l, ws, now, send } = openWithHello();
    assert.equal(l.status, 'connected');
    send({ type: 'events', events: [ev(1, now - 100)] });
    assert.deepEqual(fakeStore.applied, ['hello', 'events'], 'a fresh batch is applied');
    assert.equal(FakeWebSocket.all.length, 1);
    // The page was busy: this batch is handled long after the server sent it.
    mock.timers.tick(MAX_LAG_MS + 500);
    send({ type: 'events', events: [ev(2, now)] });
    assert.deepEqual(fakeStore.applied, ['hello', 'events'], 'the stale batch is not applied');
    assert.equal(fakeStore.jumps.length, 1);
    assert.ok(fakeStore.jumps[0]! > MAX_LAG_MS);
    assert.equal(ws.closedWith, 4001, 'the old socket is closed: its queued messages are dropped');
    assert.equal(FakeWebSocket.all.length, 2, 'a new socket at once (no backoff)');
    assert.equal(fakeStore.losses, 0, 'not a lost link: no stale banner');
    assert.equal(unclosed().length, 1);
  });

  test('a relay’s late events (a node’s buffer after a NATS outage) are not the page falling behind: sentAt is what counts', () => {
    const { l, now, send } = openWithHello({ fleet: { node: 'b' } });
    mock.timers.tick(10_000);
    // Numbered 10 s ago, sent just now: applied.
    send({ type: 'events', sentAt: now + 10_000, events: [ev(1, now)] });
    assert.deepEqual(fakeStore.applied, ['hello', 'events']);
    assert.equal(fakeStore.jumps.length, 0);
    assert.equal(FakeWebSocket.all.length, 1);
    assert.equal(l.status, 'connected');
    // Without sentAt the same batch would read as a page 10 s behind.
    send({ type: 'events', events: [ev(2, now)] });
    assert.equal(fakeStore.jumps.length, 1);
  });

  test('a socket stuck opening (server accepts TCP, never upgrades) is replaced by the watchdog', () => {
    const l = start();
    assert.equal(FakeWebSocket.all.length, 1);
    mock.timers.tick(22_000); // past staleAfterMs (20 s) and the next 2 s check
    assert.equal(FakeWebSocket.all[0]!.closedWith, 4000, 'the stuck socket is closed');
    assert.equal(l.status, 'reconnecting');
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.all.length, 2, 'and a new attempt is made');
    assert.equal(unclosed().length, 1);
  });
});
