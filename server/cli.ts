#!/usr/bin/env node
/**
 * `connscope` (the package's bin) and `npm start`: flags → manager + lab + bridge. Logs the URL to open (and
 * everything else, see --log-format / --log-level) on stdout; SIGINT/SIGTERM stop everything cleanly (a second
 * signal forces the exit). `connscope replay FILE …` serves a recording instead (server/replay/replay-cli.ts).
 */
import { DEV_ORIGINS, startApp } from './app.ts';
import { CliError, HELP, parseCli, readTokenFile, type CliConfig } from './cli-options.ts';
import { announceToken, ensureToken, stopOnSignals } from './cli-run.ts';
import { createLogger, type ProcessLogger } from './log.ts';
import { packageVersion } from './package-info.ts';

// The subcommands are loaded only when asked for: the fleet's NATS client and the replay's reader
// would otherwise be loaded (and cost start-up time) by every live server.
if (process.argv[2] === 'replay') await (await import('./replay/replay-cli.ts')).runReplay(process.argv.slice(3), process.env);
else if (process.argv[2] === 'fleet') await (await import('./fleet/fleet-cli.ts')).runFleet(process.argv.slice(3), process.env);
else await serveLive();

async function serveLive(): Promise<void> {
  let config: CliConfig;
  let log: ProcessLogger;
  try {
    config = parseCli(process.argv.slice(2), process.env);
    log = createLogger({ format: config.logFormat, level: config.logLevel });
    if (config.tokenFile !== undefined && !config.help && !config.version) {
      const file = config.tokenFile;
      config.token = readTokenFile(file, (message) => log.warn({ tokenFile: file }, message));
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    // Not a log record: the server never started, and this is an answer to what was typed.
    process.stderr.write(`connscope: ${err.message}\nrun with --help for the flags\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (config.version) {
    process.stdout.write(`connscope ${packageVersion()}\n`);
    process.exit(0);
  }
  const generatedToken = ensureToken(config);

  const app = await startApp(config, log).catch((err: Error & { code?: string }) => {
    log.fatal({ err }, 'cannot start');
    process.exit(1);
  });

  // The start as log records, one a line: the first says where to go (tests wait for
  // "connscope is running: <url>/" on stdout, in either format).
  log.info({ url: `${app.url}/`, version: packageVersion() }, `connscope is running: ${app.url}/`);
  // The other lines are for people: their facts are in the message only.
  log.info(
    app.lab
      ? `lab: ${app.lab.state().peers.length} loopback peers (seed ${config.seed}); target outbound ${config.manager.targetOutbound}`
      : `lab: off; ${config.persistent.length} persistent and ${config.connect.length} one-shot peers from flags`,
  );
  log.info(
    app.inbound ? `inbound listener: ${app.inbound} (max ${config.manager.maxInbound}, ${config.manager.inboundPolicy})` : 'inbound: off',
  );
  if (config.nats) {
    log.info(
      `fleet: publishing as node "${config.nats.node}" to ${config.nats.servers.join(', ')} ` +
        `(buffer ${config.nats.bufferEvents} events while NATS is away)${app.publisher?.connected ? '' : '; NATS not reachable yet: buffering'}`,
    );
  }
  if (config.dev) log.info(`dev: WebSocket also open to the Vite dev server (${DEV_ORIGINS.join(', ')})`);
  announceToken(log, app.url, config, generatedToken);
  log.info('Press Ctrl+C to stop.');
  stopOnSignals(() => app.stop(), log, config.logFormat === 'pretty');
}
