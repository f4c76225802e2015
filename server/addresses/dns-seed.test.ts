/**
 * DNS seeds against a real DNS server: Debian's dnsmasq, started here on a free loopback port
 * with a few A and AAAA records (`.ci/run` installs `dnsmasq-base`), resolved through
 * `Resolver.setServers` — and the manager dialing what the book hands out.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Resolver } from 'node:dns/promises';
import { after, before, test } from 'node:test';
import { waitFor } from '../test-support.ts';
import { AddressBook } from './address-book.ts';

const DNSMASQ = '/usr/sbin/dnsmasq';
let dns: ChildProcess | undefined;
let port = 0;
let output = '';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
}

before(async () => {
  port = await freeUdpPort();
  dns = spawn(
    DNSMASQ,
    [
      // --no-daemon: stay in the foreground and keep the starting user. Dropping root for
      // `nobody` needs capabilities a CI sandbox may not grant; the server then never answers.
      '--no-daemon',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--log-facility=-',
      '--host-record=seed.connscope.test,127.0.0.2,::1',
      '--host-record=seed.connscope.test,127.0.0.3',
      '--host-record=other.connscope.test,127.0.0.4',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  dns.stdout?.on('data', (d) => (output += String(d)));
  dns.stderr?.on('data', (d) => (output += String(d)));
  dns.on('error', (err) => (output += `spawn failed: ${err.message}`));
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  await waitFor(
    async () => {
      if (dns?.exitCode !== null) throw new Error(`dnsmasq exited with ${dns?.exitCode}: ${output}`);
      return (await resolver.resolve4('other.connscope.test').catch(() => [])).length > 0;
    },
    () => `dnsmasq to answer (it printed: ${output || 'nothing'})`,
    20_000,
  );
});

after(async () => {
  if (dns && dns.exitCode === null) {
    dns.kill('SIGTERM');
    await once(dns, 'exit');
  }
});

test('a real DNS server: every A and AAAA record of each seed becomes an address with the seed’s port', async () => {
  // Generous: on a loaded machine a query may wait; a timeout would read as a failing seed.
  const resolver = new Resolver({ timeout: 5000, tries: 3 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const warnings: string[] = [];
  const book = new AddressBook({
    dnsSeeds: ['seed.connscope.test:8333', 'other.connscope.test:18333', 'missing.connscope.test:8333'],
    resolver,
    logger: { warn: (m) => warnings.push(m) },
  });
  await book.start();
  try {
    assert.deepEqual(
      book
        .entries()
        .map((e) => e.addr)
        .sort(),
      ['127.0.0.2:8333', '127.0.0.3:8333', '127.0.0.4:18333', '[::1]:8333'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^address book: DNS seed missing\.connscope\.test:8333 gave no address \(/);
    assert.ok(['127.0.0.2:8333', '127.0.0.3:8333', '[::1]:8333', '127.0.0.4:18333'].includes(await book.getNewAddress()));
  } finally {
    book.stop();
  }
});
