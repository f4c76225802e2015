/**
 * A manager in a process of its own for fd-limit.test.ts, started under `prlimit --nofile=N`.
 * It listens on 127.0.0.1:0, prints `{"port":…}` once ready, then answers one JSON line per
 * command line on stdin: `dial <addr>` (a manual connect; answers how it went) and `stats`
 * (counters, the registry's size, open resources). Every established socket gets "hi\n".
 */
import { createInterface } from 'node:readline';
import { ConnManager } from '../index.ts';

const cm = new ConnManager({
  listen: [{ host: '127.0.0.1', port: 0 }],
  maxInbound: 10_000,
  targetOutbound: 0,
  retryDelayMs: 200,
  dialTimeoutMs: 2000,
  logger: { warn: () => undefined },
  onConnection: (_conn, socket) => {
    socket.on('error', () => undefined);
    socket.write('hi\n');
  },
});
const events: Record<string, number> = {};
cm.on('conn:state', (e) => {
  const key = `${e.type}:${e.to}:${e.reason}`;
  events[key] = (events[key] ?? 0) + 1;
});
cm.on('listener:state', (e) => {
  const key = `listener:${e.state}:${e.reason ?? ''}`;
  events[key] = (events[key] ?? 0) + 1;
});

await cm.start();
const port = Number(cm.listeners()[0]!.address.split(':').at(-1));
process.stdout.write(`${JSON.stringify({ port })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'dial') {
    const answer = await cm.connect(arg!).then(
      (c) => ({ ok: true, id: c.id, state: c.state }),
      (err: { code?: string; sysCode?: string; message: string }) => ({
        ok: false,
        code: err.code,
        sysCode: err.sysCode,
        message: err.message,
      }),
    );
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  } else if (cmd === 'stats') {
    process.stdout.write(`${JSON.stringify({ stats: cm.stats(), listed: cm.list().length, open: cm.openResources(), events })}\n`);
  } else if (cmd === 'stop') {
    await cm.stop();
    process.stdout.write(`${JSON.stringify({ stopped: true, open: cm.openResources() })}\n`);
    process.exit(0);
  }
}
