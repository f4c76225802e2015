// @ts-check
/**
 * The lab's "gate": a TCP listener whose handshakes do not complete, run in a worker thread.
 * Plain JavaScript on purpose: on Node 20 a worker's entry module is loaded without tsx's hooks
 * (even with `execArgv: ['--import', 'tsx']`), so a `.ts` entry fails with
 * ERR_UNKNOWN_FILE_EXTENSION. gate.ts is the typed side and documents the mechanism.
 *
 * Mechanism (Linux): listen with backlog 1, open two connections of our own to fill the accept
 * queue (the kernel completes their handshakes without us), then block this thread's event loop
 * with Atomics.wait so nothing is accepted. While the queue is full the kernel drops new SYNs, so
 * a client's connect() stays pending and retransmits its SYN (after 1 s, 3 s, 7 s, …).
 *   - blackhole: blocks until shutdown — dials time out.
 *   - slow: blocks until the parent opens the gate (or, in auto mode, for `delayMs`); then the
 *     two fillers are accepted, recognised by port and closed, and the client's next SYN
 *     retransmission completes. Accepted clients get a greeting and a heartbeat line. When the last
 *     client closes, or the gate stays open `openIdleMs` with no client, it fills and blocks again.
 *
 * workerData: { host, port, delayMs: number | null, openIdleMs, heartbeatMs, heartbeatLine, greeting, control }
 * control: SharedArrayBuffer, Int32Array[2]: [0] command (0 run, 1 stop, 2 open); [1] auto-open flag.
 * Messages to the parent: { type: 'listening', port } | { type: 'armed' } | { type: 'open' }
 *   | { type: 'accepted' } | { type: 'error', code, message }.
 */
import { createConnection, createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const RUN = 0;
const STOP = 1;
const OPEN = 2;
const { host, port, delayMs, openIdleMs, heartbeatMs, heartbeatLine, greeting } = workerData;
const control = new Int32Array(workerData.control);
const post = (/** @type {object} */ msg) => parentPort?.postMessage(msg);

/** Our own queue fillers (client side). */
const fillers = new Set();
/** Accepted real clients and their heartbeat timers. */
const clients = new Map();
/** @type {NodeJS.Timeout | undefined} */
let idleOpenTimer;
let stopped = false;

const server = createServer({ allowHalfOpen: false }, onConnection);
server.on('error', (err) => {
  post({ type: 'error', code: /** @type {NodeJS.ErrnoException} */ (err).code ?? 'ERR', message: err.message });
  shutdown();
});
// backlog 1: the accept queue holds two connections (Linux: full when more than `backlog` wait).
server.listen({ host, port, backlog: 1 }, () => {
  post({ type: 'listening', port: boundPort() });
  arm();
});
parentPort?.on('message', (msg) => {
  if (msg && msg.type === 'stop') shutdown();
});

/** Fills the accept queue with two connections of our own, then blocks the loop. */
function arm() {
  if (stopped) return;
  clearTimeout(idleOpenTimer);
  for (let i = 0; i < 2; i++) {
    const f = createConnection({ host: '127.0.0.1', port: boundPort() });
    f.on('error', () => undefined);
    f.on('close', () => fillers.delete(f));
    fillers.add(f);
  }
  // net.connect issues connect() on the next tick; block on a later tick, before the loop can
  // poll — so the listener accepts nothing and the kernel keeps the fillers queued.
  process.nextTick(() => process.nextTick(block));
}

function block() {
  if (stopped) return;
  Atomics.compareExchange(control, 0, OPEN, RUN); // an open request from before this arm is stale
  post({ type: 'armed' });
  const auto = delayMs !== null && Atomics.load(control, 1) === 1;
  Atomics.wait(control, 0, RUN, auto ? delayMs : Infinity);
  if (Atomics.load(control, 0) === STOP) {
    shutdown();
    return;
  }
  Atomics.compareExchange(control, 0, OPEN, RUN);
  post({ type: 'open' });
  // Open and nobody came (the dial gave up meanwhile): close again so the next dial is slow too.
  idleOpenTimer = setTimeout(() => {
    if (clients.size === 0) arm();
  }, openIdleMs);
}

/** @param {import('node:net').Socket} socket */
function onConnection(socket) {
  socket.on('error', () => undefined);
  if (stopped) {
    socket.destroy();
    return;
  }
  for (const f of fillers) {
    if (f.localPort === socket.remotePort) {
      socket.destroy();
      f.destroy();
      return;
    }
  }
  clearTimeout(idleOpenTimer);
  if (greeting) socket.write(greeting);
  const timer = heartbeatMs > 0 ? setInterval(() => socket.write(heartbeatLine), heartbeatMs) : undefined;
  clients.set(socket, timer);
  socket.resume();
  socket.on('close', () => {
    clearInterval(clients.get(socket));
    clients.delete(socket);
    if (clients.size === 0 && !stopped) arm();
  });
  post({ type: 'accepted' });
}

function boundPort() {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

function shutdown() {
  if (stopped) return;
  stopped = true;
  clearTimeout(idleOpenTimer);
  for (const [socket, timer] of clients) {
    clearInterval(timer);
    socket.destroy();
  }
  clients.clear();
  for (const f of fillers) f.destroy();
  fillers.clear();
  // Closing the listening socket drops whatever the kernel still queues for it.
  if (server.listening) server.close(() => process.exit(0));
  else process.exit(0);
}
