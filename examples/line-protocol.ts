/**
 * A line protocol over the sockets the connection manager hands out (README "Use it in your own
 * service"). The manager connects to its own listener: the inbound side answers `PING n` with
 * `PONG n`, the outbound side pings three times, then hangs up. Run from the repository root:
 *   node --import tsx examples/line-protocol.ts
 */
import { createInterface } from 'node:readline';
import { ConnManager } from '../server/connmgr/index.ts'; // in your own service: from 'connscope'

const cm = new ConnManager({
  listen: [{ host: '127.0.0.1', port: 0 }],
  onConnection(conn, socket) {
    const lines = createInterface({ input: socket });
    if (conn.type === 'inbound') {
      lines.on('line', (line) => socket.write(`${line.replace('PING', 'PONG')}\n`));
      return;
    }
    let n = 1;
    socket.write(`PING ${n}\n`);
    lines.on('line', (line) => {
      console.log(`#${conn.id} got ${line}`);
      if (n < 3) return void socket.write(`PING ${++n}\n`);
      const { bytesIn, bytesOut } = cm.get(conn.id)!;
      console.log(`#${conn.id} ${bytesOut} bytes out, ${bytesIn} bytes in`);
      socket.end(); // the manager records it as app-closed
    });
  },
});
cm.on('conn:state', (e) => {
  if (e.type !== 'manual' || e.to !== 'disconnected') return;
  console.log(`#${e.id} closed: ${e.reason}`);
  void cm.stop().then(() => console.log('stopped'));
});
await cm.start();
await cm.connect(cm.listeners()[0]!.address);
