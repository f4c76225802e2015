#!/usr/bin/env node
/**
 * `connscope` (the package's bin) and `npm start`: flags → manager + lab + bridge. Logs the URL to open (and
 * everything else, see --log-format / --log-level) on stdout; SIGINT/SIGTERM stop everything cleanly (a second
 * signal forces the exit).
 */
import { randomBytes } from 'node:crypto';
import { DEV_ORIGINS, startApp } from './app.ts';
import { isLoopbackHost } from './bridge/access.ts';
import { CliError, HELP, parseCli, readTokenFile, type CliConfig } from './cli-options.ts';
import { createLogger, type ProcessLogger } from './log.ts';
import { packageVersion } from './package-info.ts';

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
let generatedToken = false;
if (!isLoopbackHost(config.host) && config.token === undefined) {
  // Reachable from other machines: control needs a token; make one rather than leave it open.
  config.token = randomBytes(16).toString('hex');
  generatedToken = true;
}

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
if (config.dev) log.info(`dev: WebSocket also open to the Vite dev server (${DEV_ORIGINS.join(', ')})`);
if (config.token !== undefined && (generatedToken || config.tokenSource === 'flag')) {
  log.info(`control token${generatedToken ? ' (generated)' : ''}: ${config.token}`);
  log.info(`open ${app.url}/?token=${config.token} to control; without it the page is read-only`);
} else if (config.token !== undefined) {
  // Given through the environment or a file precisely so that it does not show: do not print it.
  const from = config.tokenSource === 'env' ? 'CONNSCOPE_TOKEN' : `--token-file ${config.tokenFile}`;
  log.info(`control token: from ${from}; open ${app.url}/?token=<token> to control`);
}
log.info('Press Ctrl+C to stop.');

let signals = 0;
const shutdown = (signal: string): void => {
  signals += 1;
  if (signals > 1) process.exit(1);
  // After the terminal's "^C", start the record on a line of its own.
  if (process.stdout.isTTY && config.logFormat === 'pretty') process.stdout.write('\n');
  log.info(`${signal}: stopping…`);
  app.stop().then(
    () => process.exit(0),
    (err: Error) => {
      log.error({ err }, 'unclean stop');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
