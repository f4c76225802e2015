#!/usr/bin/env node
/**
 * `connscope` (the package's bin) and `npm start`: flags → manager + lab + bridge. Prints the URL to open; SIGINT/SIGTERM stop
 * everything cleanly (a second signal forces the exit).
 */
import { randomBytes } from 'node:crypto';
import { DEV_ORIGINS, startApp } from './app.ts';
import { isLoopbackHost } from './bridge/access.ts';
import { CliError, HELP, parseCli, readTokenFile, type CliConfig } from './cli-options.ts';
import { packageVersion } from './package-info.ts';

let config: CliConfig;
try {
  config = parseCli(process.argv.slice(2), process.env);
  if (config.tokenFile !== undefined && !config.help && !config.version) {
    config.token = readTokenFile(config.tokenFile, (message) => process.stderr.write(`${message}\n`));
  }
} catch (err) {
  if (!(err instanceof CliError)) throw err;
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

const app = await startApp(config).catch((err: Error & { code?: string }) => {
  process.stderr.write(`connscope: cannot start: ${err.message}\n`);
  process.exit(1);
});

const lines = [
  `connscope is running: ${app.url}/`,
  app.lab
    ? `  lab: ${app.lab.state().peers.length} loopback peers (seed ${config.seed}); target outbound ${config.manager.targetOutbound}`
    : `  lab: off; ${config.persistent.length} persistent and ${config.connect.length} one-shot peers from flags`,
  app.inbound ? `  inbound listener: ${app.inbound} (max ${config.manager.maxInbound}, ${config.manager.inboundPolicy})` : '  inbound: off',
];
if (config.dev) lines.push(`  dev: WebSocket also open to the Vite dev server (${DEV_ORIGINS.join(', ')})`);
if (config.token !== undefined && (generatedToken || config.tokenSource === 'flag')) {
  lines.push(
    `  control token${generatedToken ? ' (generated)' : ''}: ${config.token}`,
    `  open ${app.url}/?token=${config.token} to control; without it the page is read-only`,
  );
} else if (config.token !== undefined) {
  // Given through the environment or a file precisely so that it does not show: do not print it.
  const from = config.tokenSource === 'env' ? 'CONNSCOPE_TOKEN' : `--token-file ${config.tokenFile}`;
  lines.push(`  control token: from ${from}; open ${app.url}/?token=<token> to control`);
}
process.stdout.write(`${lines.join('\n')}\nPress Ctrl+C to stop.\n`);

let signals = 0;
const shutdown = (signal: string): void => {
  signals += 1;
  if (signals > 1) process.exit(1);
  process.stdout.write(`\nconnscope: ${signal}, stopping…\n`);
  app.stop().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`connscope: unclean stop: ${err.message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
