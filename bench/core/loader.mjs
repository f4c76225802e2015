/**
 * The load's own process (forked by a measured child, so that its sockets and CPU are not the
 * measured side's): a sink server that accepts and holds everything, and a dialer that opens,
 * holds or waits out connections to the measured side's listener. One request at a time over IPC.
 * Plain JavaScript, so that it starts without tsx; its messages are typed in loader-client.ts.
 */
import { connect, createServer } from 'node:net';

/** @type {Set<import('node:net').Socket>} */
const held = new Set();

/** Runs `n` tasks, `conc` at a time. */
async function pool(n, conc, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

function dial(port) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function handle(cmd) {
  switch (cmd.op) {
    case 'sink': {
      const server = createServer((s) => {
        held.add(s);
        s.on('error', () => undefined);
        s.once('close', () => held.delete(s));
      });
      server.maxConnections = 1_000_000;
      await new Promise((r) => server.listen({ host: '0.0.0.0', port: 0, backlog: 4096 }, r));
      return { port: server.address().port };
    }
    case 'open':
      // Held until `closeAll`, reading and discarding.
      return dialAll(cmd, (s) => {
        s.on('data', () => undefined);
        held.add(s);
      });
    case 'shed':
      // Each waits for the server to close it (the shed message read and dropped).
      return dialAll(cmd, (s) => {
        s.resume();
        return new Promise((r) => s.once('close', r));
      });
    case 'closeAll':
      for (const s of held) s.destroy();
      held.clear();
      return {};
  }
}

/** `cmd.n` dials to `cmd.port`, `cmd.conc` at a time, each socket then given to `use`: how many opened and failed. */
async function dialAll(cmd, use) {
  let opened = 0;
  let failed = 0;
  await pool(cmd.n, cmd.conc, async () => {
    try {
      const s = await dial(cmd.port);
      opened += 1;
      s.on('error', () => undefined);
      await use(s);
    } catch {
      failed += 1;
    }
  });
  return { opened, failed };
}

process.on('message', (cmd) => {
  handle(cmd).then(
    (reply) => process.send?.(reply),
    (err) => process.send?.({ error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
