/**
 * `connscope fleet --nats URL [flags]`: the fleet dashboard (README "Watching a fleet",
 * docs/fleet.md). It takes the live server's HTTP flags (same names, defaults and variables:
 * cli-options.ts SERVER_FLAGS), `--nats`, the health timeouts and the stream limits, and `--open`.
 * NATS unreachable at start is not fatal: the page says so and the dashboard catches up.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_ORIGINS } from '../app.ts';
import {
  CliError,
  NATS_FLAGS,
  SERVER_FLAGS,
  duration,
  natsServers,
  readTokenFile,
  serverFlags,
  streamLimits,
  type FlagValues,
  type ServerFlags,
} from '../cli-options.ts';
import { announceToken, ensureToken, openBrowser, stopOnSignals } from '../cli-run.ts';
import { createLogger, type ProcessLogger } from '../log.ts';
import { packageVersion } from '../package-info.ts';
import { GONE_AFTER_MS, STALE_AFTER_MS } from '../protocol/index.ts';
import { startFleetServer } from './fleet-server.ts';

export interface FleetCliConfig extends ServerFlags {
  servers: string[];
  staleAfterMs: number;
  goneAfterMs: number;
  streamMaxAgeMs: number;
  streamMaxBytes: number;
  open: boolean;
}

export const FLEET_HELP = `connscope fleet — one page for a fleet of connscope nodes publishing to NATS
JetStream (each started with --nats URL --node NAME); no manager of its own

usage: connscope fleet --nats <url> [flags]   (from a checkout: npm run serve -- fleet --nats <url>)

  --nats <url>               the NATS server, e.g. nats://127.0.0.1:4222 (repeatable)
  --stale-after <d>          a node without a heartbeat this long is shown stale (5s)
  --gone-after <d>           ... and this long leaves the list                (60s)
  --stream-max-age <d>       the stream's max age if this dashboard creates it (24h)
  --stream-max-bytes <size>  the stream's max size if this dashboard creates it (1GiB)
  --host <addr>              address to bind the page to                 (127.0.0.1)
  --port <n>                 port (0 = any free port)                    (8787)
  --token <secret>           required for control; generated when --host is not loopback
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

/** Parses the arguments after `fleet`; throws `CliError` naming the bad flag. */
export function parseFleetCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): FleetCliConfig {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        ...SERVER_FLAGS,
        ...NATS_FLAGS,
        'stale-after': { type: 'string' },
        'gone-after': { type: 'string' },
        open: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const values = parsed.values as FlagValues;
  const server = serverFlags(values, env);
  const servers = natsServers(values);
  if (servers.length === 0 && !server.help && !server.version) {
    throw new CliError('fleet: which NATS? (connscope fleet --nats nats://HOST:PORT)');
  }
  const stale = values['stale-after'] as string | undefined;
  const gone = values['gone-after'] as string | undefined;
  const staleAfterMs = stale === undefined ? STALE_AFTER_MS : duration('stale-after', stale, 100);
  const goneAfterMs = gone === undefined ? GONE_AFTER_MS : duration('gone-after', gone, 100);
  if (goneAfterMs <= staleAfterMs) {
    throw new CliError(`--gone-after (${goneAfterMs} ms) must be longer than --stale-after (${staleAfterMs} ms)`);
  }
  return { ...server, servers, staleAfterMs, goneAfterMs, ...streamLimits(values), open: values.open === true };
}

/** The `fleet` subcommand: serves until SIGINT/SIGTERM; exits 2 on a bad flag. */
export async function runFleet(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let config: FleetCliConfig;
  let log: ProcessLogger;
  try {
    config = parseFleetCli(argv, env);
    log = createLogger({ format: config.logFormat, level: config.logLevel });
    if (config.tokenFile !== undefined && !config.help && !config.version) {
      const file = config.tokenFile;
      config.token = readTokenFile(file, (message) => log.warn({ tokenFile: file }, message));
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`connscope fleet: ${err.message}\nrun connscope fleet --help for the flags\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(FLEET_HELP);
    process.exit(0);
  }
  if (config.version) {
    process.stdout.write(`connscope ${packageVersion()}\n`);
    process.exit(0);
  }
  const generatedToken = ensureToken(config);
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    log.warn({}, `no built page in ${config.staticDir} (run "npm run build"); the API still works`);
  }
  const server = await startFleetServer({
    servers: config.servers,
    host: config.host,
    port: config.port,
    ...(config.token === undefined ? {} : { token: config.token }),
    allowedOrigins: [...config.allowedOrigins, ...(config.dev ? DEV_ORIGINS : [])],
    maxClients: config.maxClients,
    staticDir: config.staticDir,
    staleAfterMs: config.staleAfterMs,
    goneAfterMs: config.goneAfterMs,
    streamMaxAgeMs: config.streamMaxAgeMs,
    streamMaxBytes: config.streamMaxBytes,
    logger: log,
  }).catch((err: Error) => {
    log.fatal({ err }, 'cannot start');
    process.exit(1);
  });
  log.info({ url: `${server.url}/`, version: packageVersion() }, `connscope is running: ${server.url}/`);
  log.info(`fleet: following the nodes on ${config.servers.join(', ')}${server.connected ? '' : ' (not reachable yet: retrying)'}`);
  announceToken(log, server.url, config, generatedToken);
  log.info('Press Ctrl+C to stop.');
  if (config.open) openBrowser(`${server.url}/`, log);
  stopOnSignals(() => server.close(), log, config.logFormat === 'pretty');
}
