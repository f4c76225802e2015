/**
 * `connscope replay FILE [flags]`: serves a recording read-only (README "Record and replay").
 * The flags are the live server's HTTP ones (same names, defaults and variables: cli-options.ts
 * SERVER_FLAGS) plus `--open`. A file that cannot be replayed stops it before anything listens,
 * with the parser's message and line on stderr and exit code 1 (2 for bad flags, as live).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_ORIGINS } from '../app.ts';
import { CliError, SERVER_FLAGS, readTokenFile, serverFlags, type FlagValues, type ServerFlags } from '../cli-options.ts';
import { announceToken, ensureToken, openBrowser, stopOnSignals } from '../cli-run.ts';
import { createLogger, type ProcessLogger } from '../log.ts';
import { packageVersion } from '../package-info.ts';
import { RecordingFileError, loadRecording } from './load.ts';
import { startReplayServer } from './replay-server.ts';

export interface ReplayCliConfig extends ServerFlags {
  /** The recording to serve. */
  file: string;
  /** Open the page in the default browser once listening. */
  open: boolean;
}

export const REPLAY_HELP = `connscope replay — serve a recording read-only: the same page and protocol, the
manager replaced by the recording (written by --record FILE or downloaded from /api/recording)

usage: connscope replay <file> [flags]     (from a checkout: npm run serve -- replay <file> [flags])

  --host <addr>              address to bind the page to                 (127.0.0.1)
  --port <n>                 port (0 = any free port)                    (8787)
  --token <secret>           required to move the replay; generated when --host is not loopback
  --token-file <path>        read the token from a file (not visible in ps)
  --allow-origin <origin>    extra allowed WebSocket Origin (repeatable)
  --dev                      also allow the Vite dev server's origins; loopback --host only
  --max-clients <n>          WebSocket clients at once (more: HTTP 503)  (64)
  --static-dir <dir>         the built page                              (the package's dist/web)
  --open                     open the page in the default browser
  --log-format <f>           pretty | json                               (pretty)
  --log-level <l>            trace | debug | info | warn | error | fatal | silent (info)
  -h, --help                 this text

environment (a flag wins over its variable)
  CONNSCOPE_HOST, CONNSCOPE_PORT, CONNSCOPE_TOKEN   as --host, --port, --token
`;

/** Parses the arguments after `replay`; throws `CliError` naming the bad flag. */
export function parseReplayCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ReplayCliConfig {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...SERVER_FLAGS, open: { type: 'boolean' } } });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const values = parsed.values as FlagValues;
  const server = serverFlags(values, env);
  const [file, ...extra] = parsed.positionals;
  if (!server.help && !server.version) {
    if (file === undefined || file === '') throw new CliError('replay: which recording? (connscope replay FILE)');
    if (extra.length > 0) throw new CliError(`replay takes one file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  return { ...server, file: file ?? '', open: values.open === true };
}

/** The `replay` subcommand: serves until SIGINT/SIGTERM; exits on a bad flag or file. */
export async function runReplay(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let config: ReplayCliConfig;
  let log: ProcessLogger;
  try {
    config = parseReplayCli(argv, env);
    log = createLogger({ format: config.logFormat, level: config.logLevel });
    if (config.tokenFile !== undefined && !config.help && !config.version) {
      const file = config.tokenFile;
      config.token = readTokenFile(file, (message) => log.warn({ tokenFile: file }, message));
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`connscope replay: ${err.message}\nrun connscope replay --help for the flags\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(REPLAY_HELP);
    process.exit(0);
  }
  if (config.version) {
    process.stdout.write(`connscope ${packageVersion()}\n`);
    process.exit(0);
  }
  const loaded = await loadRecording(config.file).catch((err: unknown) => {
    if (!(err instanceof RecordingFileError)) throw err;
    // Not a log record either: nothing started, and the file is what to fix.
    process.stderr.write(`connscope replay: ${err.message}\n`);
    process.exit(1);
  });
  const generatedToken = ensureToken(config);
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    log.warn({}, `no built page in ${config.staticDir} (run "npm run build"); the API still works`);
  }
  const server = await startReplayServer({
    loaded,
    host: config.host,
    port: config.port,
    ...(config.token === undefined ? {} : { token: config.token }),
    allowedOrigins: [...config.allowedOrigins, ...(config.dev ? DEV_ORIGINS : [])],
    maxClients: config.maxClients,
    staticDir: config.staticDir,
    logger: log,
  }).catch((err: Error) => {
    log.fatal({ err }, 'cannot start');
    process.exit(1);
  });
  const { header } = loaded.recording;
  const { firstSeq, lastSeq } = server.position;
  log.info({ url: `${server.url}/`, version: packageVersion() }, `connscope is running: ${server.url}/`);
  const events = lastSeq > firstSeq ? `events ${firstSeq + 1}–${lastSeq}` : `no events after seq ${firstSeq}`;
  log.info(
    `replaying ${loaded.file} (read-only): ${events} of run ${header.runId}, ` +
      `recorded by ${header.app} from ${new Date(header.startedAt).toISOString()}`,
  );
  announceToken(log, server.url, config, generatedToken);
  log.info('Press Ctrl+C to stop.');
  if (config.open) openBrowser(`${server.url}/`, log);
  stopOnSignals(() => server.close(), log, config.logFormat === 'pretty');
}
