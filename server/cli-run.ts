/**
 * The parts of running a server from the command line that `connscope` and `connscope replay`
 * share: making a token for a reachable bind, saying how to get control, opening the browser, and
 * stopping on SIGINT/SIGTERM (a second signal forces the exit).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isLoopbackHost } from './bridge/access.ts';
import type { ServerFlags } from './cli-options.ts';
import type { ProcessLogger } from './log.ts';

/** On a bind other machines can reach, control needs a token: makes one when none was given. Returns whether it did. */
export function ensureToken(config: Pick<ServerFlags, 'host' | 'token'>): boolean {
  if (isLoopbackHost(config.host) || config.token !== undefined) return false;
  config.token = randomBytes(16).toString('hex');
  return true;
}

/** The lines about the control token: printed when typed or generated, never when it came from a file or the environment. */
export function announceToken(log: ProcessLogger, url: string, config: ServerFlags, generated: boolean): void {
  if (config.token !== undefined && (generated || config.tokenSource === 'flag')) {
    log.info(`control token${generated ? ' (generated)' : ''}: ${config.token}`);
    log.info(`open ${url}/?token=${config.token} to control; without it the page is read-only`);
  } else if (config.token !== undefined) {
    const from = config.tokenSource === 'env' ? 'CONNSCOPE_TOKEN' : `--token-file ${config.tokenFile}`;
    log.info(`control token: from ${from}; open ${url}/?token=<token> to control`);
  }
}

/** Stops with `stop()` on SIGINT or SIGTERM and exits 0 (1 if the stop failed, or on a second signal). */
export function stopOnSignals(stop: () => Promise<void>, log: ProcessLogger, pretty: boolean): void {
  let signals = 0;
  const shutdown = (signal: string): void => {
    signals += 1;
    if (signals > 1) process.exit(1);
    // After the terminal's "^C", start the record on a line of its own.
    if (process.stdout.isTTY && pretty) process.stdout.write('\n');
    log.info(`${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Opens `url` in the default browser (`--open`); a failure is a warning, never fatal. */
export function openBrowser(url: string, log: ProcessLogger): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', (err) => log.warn({}, `--open: cannot start ${command}: ${err.message}; open ${url} yourself`));
    child.unref();
  } catch (err) {
    log.warn({}, `--open: cannot start ${command}: ${(err as Error).message}; open ${url} yourself`);
  }
}
