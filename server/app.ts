/**
 * The whole service in one call: manager (+ lab) + bridge, from a `CliConfig`. `cli.ts` calls it
 * for `npm start`; tests and benchmarks call it in-process. Returns one `stop()` that shuts down
 * in dependency order: the bridge first (no more commands), then the manager, then the lab.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, type Bridge, type StructuredLogger } from './bridge/index.ts';
import type { CliConfig } from './cli-options.ts';
import { AddressBook } from './addresses/address-book.ts';
import { ConnManager, realClock } from './connmgr/index.ts';
import { ScaledClock } from './connmgr/scaled-clock.ts';
import { Lab, labJudge } from './lab/index.ts';
import type { Publisher } from './fleet/publisher.ts';
import { coalescingLogger, createLogger, managerLogger } from './log.ts';

export interface App {
  readonly url: string;
  readonly manager: ConnManager;
  readonly lab: Lab | undefined;
  readonly bridge: Bridge;
  /** Publishing to NATS (`--nats`, `--node`), if asked. */
  readonly publisher: Publisher | undefined;
  /** The manager's inbound listener as bound (`host:port`), if any. */
  readonly inbound: string | undefined;
  stop(): Promise<void>;
}

/**
 * Vite's dev server (`npm run dev:web`) proxies /ws from these origins. Allowed with `--dev` only
 * (`npm run serve:dev`): otherwise any local app on port 5173 could drive the manager.
 */
export const DEV_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'];

/**
 * `log` gets everything the app logs: the manager's warnings (coalesced: a recurring one prints
 * once, then a count per window) and the bridge's access lines. @default a logger made from the
 * config's `logFormat` and `logLevel`, on stdout
 */
export async function startApp(
  config: CliConfig,
  log: StructuredLogger = createLogger({ format: config.logFormat, level: config.logLevel }),
): Promise<App> {
  const logger = coalescingLogger(managerLogger(log));
  let manager: ConnManager | undefined;
  // In lab mode the manager runs on a clock the lab can slow down or freeze (README "Slow motion
  // and freeze"); against real peers it keeps the real one.
  const managerClock = config.lab ? new ScaledClock(realClock, config.timeScale) : undefined;
  const lab = config.lab
    ? await Lab.start({
        seed: config.seed,
        // A lesson makes its own peers and scene: no mix to start and stop again.
        ...(config.lesson === undefined ? { scenario: config.labScenario } : { scenario: 'quiet', peers: [], trickle: false }),
        managerListen: () => manager?.listeners()[0]?.address,
        ...(managerClock ? { managerClock } : {}),
      })
    : undefined;
  // Real address sources (README "Address sources"): read once before the manager starts, so its
  // first fill has addresses; kept fresh until stop.
  const book =
    !lab && (config.dnsSeeds.length > 0 || config.addressesFile !== undefined)
      ? new AddressBook({ dnsSeeds: config.dnsSeeds, ...(config.addressesFile ? { file: config.addressesFile } : {}), logger })
      : undefined;
  await book?.start();
  try {
    manager = new ConnManager({
      ...config.manager,
      listen: config.listen ? [config.listen] : [],
      ...(lab ? { getNewAddress: lab.getNewAddress } : {}),
      ...(book ? { addressBook: book } : {}),
      ...(managerClock ? { clock: managerClock } : {}),
      // The lab's node judges what its peers send: a `misbehave` peer earns a ban (README "Ban score").
      ...(lab ? { onConnection: labJudge(() => manager) } : {}),
      logger,
    });
    lab?.attach(manager);
    await manager.start();
    // Inside the try: a refused entry (duplicate, over maxPersistent) must not leave all running.
    for (const addr of config.persistent) manager.addPersistent(addr);
  } catch (err) {
    await manager?.stop();
    await lab?.stop();
    book?.stop();
    throw err;
  }
  const cm = manager;
  for (const addr of config.connect) {
    cm.connect(addr).catch((err: Error) => logger.warn(`--connect ${addr}: ${err.message}`));
  }
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    log.warn({}, `no built page in ${config.staticDir} (run "npm run build"); the API still works`);
  }
  let bridge: Bridge;
  try {
    bridge = await startBridge({
      manager: cm,
      ...(lab ? { lab } : {}),
      host: config.host,
      port: config.port,
      ...(config.token === undefined ? {} : { token: config.token }),
      allowedOrigins: [...config.allowedOrigins, ...(config.dev ? DEV_ORIGINS : [])],
      maxClients: config.maxClients,
      staticDir: config.staticDir,
      ...(config.recordFile === undefined ? {} : { recordFile: config.recordFile }),
      logger: log,
    });
  } catch (err) {
    await cm.stop();
    await lab?.stop();
    book?.stop();
    throw err;
  }
  if (lab && config.lesson !== undefined) {
    // Once the bridge runs, so that a page sees the lesson's first events too.
    try {
      await lab.startLesson(config.lesson);
    } catch (err) {
      await bridge.close();
      await cm.stop();
      await lab.stop();
      throw err;
    }
  }
  // NATS reachable or not, the node runs: the publisher buffers until it can publish.
  // Its NATS client is loaded only for --nats: a node outside a fleet does not pay for it at start-up.
  const publisher = config.nats
    ? await (await import('./fleet/publisher.ts')).publishToNats(cm, {
        servers: config.nats.servers,
        node: config.nats.node,
        bufferEvents: config.nats.bufferEvents,
        streamMaxAgeMs: config.nats.streamMaxAgeMs,
        streamMaxBytes: config.nats.streamMaxBytes,
        ...(config.token === undefined ? {} : { token: config.token }),
        ...(lab ? { lab } : {}),
        dashboard: { feed: bridge.feed, url: bridge.url },
        logger: log,
      })
    : undefined;
  let stopping: Promise<void> | undefined;
  return {
    url: bridge.url,
    manager: cm,
    lab,
    bridge,
    publisher,
    inbound: cm.listeners()[0]?.address,
    stop: () =>
      (stopping ??= (async () => {
        // First, so that its last heartbeat says "stopped" while the manager still runs.
        await publisher?.close();
        await bridge.close();
        await cm.stop();
        await lab?.stop();
        book?.stop();
      })()),
  };
}
