/**
 * Test support for the lab (tests and `npm run bench` only): what the kernel says about our
 * processes and sockets (Linux /proc, like the gates themselves). Waiting for a condition is
 * server/test-support.ts `waitFor`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Dials 127.0.0.1:`port` once: `'connected'` (then closes) or the error code (`'ECONNREFUSED'`…).
 * Not for a closed gate: that dial would only end at its timeout.
 */
export function dialResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** Child processes of this one (from /proc/<pid>/stat, whose 4th field is the parent pid). */
export function childPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat?.ppid === process.pid) pids.push(Number(name));
  }
  return pids;
}

/** True once `pid` has exited: no such process, or a zombie (exited, its files closed, not yet reaped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  return procStat(pid)?.state === 'Z';
}

/** Proportional set size of a process (its shared pages split among their sharers), in bytes; 0 if gone. */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Threads of this process (main, V8's and libuv's pools, workers). */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/**
 * Connections waiting in the accept queue of the IPv4 listener on `port` (the rx_queue that
 * /proc/net/tcp shows for a LISTEN socket); `undefined` when nothing listens there.
 */
export function acceptQueue(port: number): number | undefined {
  const listener = tcpTable().find((s) => s.localPort === port && s.state === TCP_LISTEN);
  return listener?.rxQueue;
}

/** Dials to `port` still in SYN_SENT: their SYN went unanswered (so far). */
export function unansweredDials(port: number): number {
  return tcpTable().filter((s) => s.remotePort === port && s.state === TCP_SYN_SENT).length;
}

const TCP_SYN_SENT = 0x02;
const TCP_LISTEN = 0x0a;

/** IPv4 TCP sockets of this network namespace, from /proc/net/tcp. */
function tcpTable(): Array<{ localPort: number; remotePort: number; state: number; rxQueue: number }> {
  const port = (addr: string | undefined): number => parseInt(addr?.split(':')[1] ?? '', 16);
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // sl local_address rem_address st tx_queue:rx_queue …; for a listener rx_queue is its accept queue
      const f = line.trim().split(/\s+/);
      return { localPort: port(f[1]), remotePort: port(f[2]), state: parseInt(f[3]!, 16), rxQueue: parseInt(f[4]!.split(':')[1]!, 16) };
    });
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined; // gone meanwhile
  }
}
