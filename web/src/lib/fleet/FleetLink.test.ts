/**
 * FleetLink (the fleet view's `/ws` listener) against a fake WebSocket and mocked timers; compiled
 * the way the page's build does it (test-support/runes-module.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test, mock } from 'node:test';
import { PROTOCOL_VERSION, type FleetMessage } from '$protocol';
import { RECONNECT_MAX_DELAY_MS } from '../net/reconnect.ts';
import { loadRunesModule } from '../test-support/runes-module.ts';

interface FleetLinkType {
  readonly msg: FleetMessage | null;
  readonly status: 'connecting' | 'connected' | 'reconnecting';
  readonly invalidMessages: number;
  readonly lastProblem: string | null;
  start(): void;
  stop(): void;
}
type Ctor = new (url: string) => FleetLinkType;
let FleetLink: Ctor | undefined;
let FLEET_SILENT_MS = 0;

class FakeWebSocket {
  static all: FakeWebSocket[] = [];
  closedWith: number | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.all.push(this);
  }
  close(code = 1000): void {
    this.closedWith = code;
  }
  /** The server went away: the browser's close event. */
  drop(code = 1006): void {
    this.onclose?.({ code });
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }
}

const fleetMessage = (at: number): FleetMessage => ({
  v: PROTOCOL_VERSION,
  type: 'fleet',
  at,
  nats: { connected: true, server: 'nats://127.0.0.1:4222' },
  nodes: [],
  totals: {
    nodes: 0,
    live: 0,
    stale: 0,
    stopped: 0,
    connections: 0,
    byType: { inbound: 0, outbound: 0, manual: 0 },
    byState: { pending: 0, established: 0, failing: 0 },
    eventsPerSec: 0,
    droppedEvents: 0,
  },
});

let link: FleetLinkType | null = null;
beforeEach(async () => {
  if (!FleetLink) {
    const mod = await loadRunesModule<{ FleetLink: Ctor; FLEET_SILENT_MS: number }>(new URL('./FleetLink.svelte.ts', import.meta.url));
    ({ FleetLink, FLEET_SILENT_MS } = mod);
  }
  FakeWebSocket.all = [];
  (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_700_000_000_000 });
});
afterEach(() => {
  link?.stop();
  link = null;
  mock.timers.reset();
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

function start(): FleetLinkType {
  link = new FleetLink!('ws://f/ws');
  link.start();
  return link;
}

test('a fleet message is kept and marks the link connected; anything else is counted and changes nothing', () => {
  const l = start();
  const ws = FakeWebSocket.all[0]!;
  assert.equal(ws.url, 'ws://f/ws');
  assert.equal(l.status, 'connecting');
  ws.deliver(JSON.stringify(fleetMessage(5)));
  assert.equal(l.status, 'connected');
  assert.equal(l.msg?.at, 5);
  ws.deliver(JSON.stringify({ ...fleetMessage(6), type: 'hello' }));
  ws.deliver('not json');
  ws.deliver(new Uint8Array(2));
  assert.equal(l.invalidMessages, 3);
  assert.equal(l.msg?.at, 5, 'the last good list stays shown');
});

test('a lost socket is replaced within the reconnect cap, keeping the last list; stop() ends it all', () => {
  const l = start();
  FakeWebSocket.all[0]!.deliver(JSON.stringify(fleetMessage(5)));
  FakeWebSocket.all[0]!.drop();
  assert.equal(l.status, 'reconnecting');
  assert.equal(l.msg?.at, 5);
  mock.timers.tick(RECONNECT_MAX_DELAY_MS);
  assert.equal(FakeWebSocket.all.length, 2);
  FakeWebSocket.all[1]!.deliver(JSON.stringify(fleetMessage(9)));
  assert.equal(l.status, 'connected');
  l.stop();
  assert.equal(FakeWebSocket.all[1]!.closedWith, 1000);
  mock.timers.tick(60_000);
  assert.equal(FakeWebSocket.all.length, 2, 'no socket after stop()');
});

test('a silent socket (no fleet message for FLEET_SILENT_MS, or an upgrade never answered) is replaced', () => {
  const l = start();
  const first = FakeWebSocket.all[0]!;
  first.deliver(JSON.stringify(fleetMessage(5)));
  mock.timers.tick(FLEET_SILENT_MS);
  assert.equal(first.closedWith, null, 'not yet: silence up to the limit is allowed');
  mock.timers.tick(1000);
  assert.equal(first.closedWith, 4000);
  assert.equal(l.status, 'reconnecting');
  mock.timers.tick(RECONNECT_MAX_DELAY_MS);
  assert.equal(FakeWebSocket.all.length, 2);
  // The new one never answers: replaced the same way.
  mock.timers.tick(FLEET_SILENT_MS + 1000);
  assert.equal(FakeWebSocket.all[1]!.closedWith, 4000);
  assert.match(l.lastProblem ?? '', /no fleet message for 5 s/);
});
