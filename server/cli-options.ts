/**
 * `connscope` flags and `CONNSCOPE_*` variables → one typed configuration. Pure but for finding
 * the package's own `dist/web` (one read of its package.json), so that every flag is table-tested.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allowedOriginProblem, isLoopbackHost } from './bridge/access.ts';
import { BACKOFF_KINDS, type BackoffKind } from './connmgr/backoff.ts';
import { BanPolicy } from './connmgr/ban-score.ts';
import { normalizeAddress, parseAddress } from './connmgr/address.ts';
import { INBOUND_POLICIES, type InboundPolicy } from './connmgr/types.ts';
import { LAB_SCENARIOS, type LabScenario } from './lab/scenario.ts';
import { LESSON_NAMES, type LessonName } from './protocol/lessons.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.ts';
import { defaultStaticDir } from './package-info.ts';
import { TIME_SCALES } from './connmgr/scaled-clock.ts';
import { nodeNameProblem } from './protocol/fleet.ts';

export interface CliConfig {
  host: string;
  port: number;
  token?: string;
  allowedOrigins: string[];
  /** Allow the Vite dev server's origins (`npm run dev:web`); loopback binds only. */
  dev: boolean;
  /** WebSocket clients at once; the next upgrade gets 503. */
  maxClients: number;
  staticDir: string;
  lab: boolean;
  /** `lively` keeps the lab's network moving (README, "The lab"); `quiet` is the mix and trickle only. */
  labScenario: LabScenario;
  seed: number;
  /** The manager's inbound listener. */
  listen: { host: string; port: number } | null;
  connect: string[];
  persistent: string[];
  manager: {
    targetOutbound: number;
    maxInbound: number;
    maxPersistent: number;
    dialTimeoutMs: number;
    retryDelayMs: number;
    maxRetryDelayMs: number;
    maxFailedAttempts: number;
    backoff: BackoffKind;
    inboundPolicy: InboundPolicy;
    idleTimeoutMs: number;
    /** README "Inbound admission": 0 = off. */
    maxInboundPerHost: number;
    inboundRate: { perSecond: number; burst: number } | null;
    /** README "Ban score". */
    banThreshold: number;
    banDurationMs: number;
    /** `--allow-host` (repeatable): never banned, exempt from the per-host limits. */
    allowHosts: string[];
  };
  /** `pretty` (one short line a record) or `json` (pino's JSON lines). */
  logFormat: LogFormat;
  /** Records below this level are not written; `silent` writes none. */
  logLevel: LogLevel;
  help: boolean;
  version: boolean;
  /** `--token-file`: read by `readTokenFile` (I/O stays out of this pure parser). */
  tokenFile?: string;
  /** `--time-scale`: the manager's clock speed in lab mode (README "Slow motion and freeze"). */
  timeScale: number;
  /** `--record`: write the session to this file as NDJSON (README "Record and replay"). */
  recordFile?: string;
  /** `--lesson`: start this lesson (README "Lessons") once the server runs; implies the lab. */
  lesson?: LessonName;
  /** `--dns-seed` (repeatable) and `--addresses`: an AddressBook for automatic outbound (no lab). */
  dnsSeeds: string[];
  addressesFile?: string;
  /** Where the token came from, so the CLI prints it only when the user typed or was given it. */
  tokenSource?: 'flag' | 'env' | 'file';
  /** `--nats URL --node NAME`: publish to NATS JetStream for a fleet dashboard (README "Watching a fleet"). */
  nats?: NatsFlags;
}

/** The node's NATS settings (`--nats`, `--node`, `--nats-buffer`, `--stream-max-age`, `--stream-max-bytes`). */
export interface NatsFlags {
  servers: string[];
  node: string;
  bufferEvents: number;
  streamMaxAgeMs: number;
  streamMaxBytes: number;
}

/** Environment variables read by `parseCli`; a flag wins over its variable. */
export const ENV_VARS = { host: 'CONNSCOPE_HOST', port: 'CONNSCOPE_PORT', token: 'CONNSCOPE_TOKEN' } as const;

/**
 * With the lab on, delays are shortened so that a workshop sees retries, timeouts and idle kicks
 * within seconds; against real peers the manager's own (btcd/dcrd) defaults apply. Flags win.
 */
export const LAB_MANAGER_DEFAULTS: CliConfig['manager'] = {
  targetOutbound: 8,
  maxInbound: 16,
  maxPersistent: 8,
  dialTimeoutMs: 5_000,
  retryDelayMs: 2_000,
  maxRetryDelayMs: 30_000,
  maxFailedAttempts: 25,
  backoff: 'linear',
  inboundPolicy: 'shed',
  idleTimeoutMs: 20_000,
  // Every lab client comes from 127.0.0.1: a per-host limit would refuse the lab's own load.
  maxInboundPerHost: 0,
  inboundRate: null,
  banThreshold: 100,
  // Minutes, not a day: a lab shows a ban end too.
  banDurationMs: 120_000,
  allowHosts: [],
};

export const REAL_MANAGER_DEFAULTS: CliConfig['manager'] = {
  targetOutbound: 8,
  maxInbound: 117,
  maxPersistent: 8,
  dialTimeoutMs: 30_000,
  retryDelayMs: 5_000,
  maxRetryDelayMs: 300_000,
  maxFailedAttempts: 25,
  backoff: 'linear',
  inboundPolicy: 'shed',
  idleTimeoutMs: 0,
  // A node in the open: one host may hold a few connections and open them at a human pace.
  maxInboundPerHost: 8,
  inboundRate: { perSecond: 5, burst: 10 },
  banThreshold: 100,
  banDurationMs: 86_400_000,
  allowHosts: [],
};

export const HELP = `connscope — a live, visual explorer of a real TCP connection manager

usage: connscope [flags]           (from a checkout: npm start -- [flags])
       connscope replay <file>    serve a recording read-only (connscope replay --help)
       connscope fleet --nats <url>   one page for a fleet of nodes (connscope fleet --help)

server
  --host <addr>              address to bind the dashboard to            (127.0.0.1)
  --port <n>                 dashboard port (0 = any free port)          (8787)
  --token <secret>           required for control; generated when --host is not loopback
  --token-file <path>        read the token from a file (not visible in ps)
  --allow-origin <origin>    extra allowed WebSocket Origin (repeatable)
  --dev                      also allow the Vite dev server's origins
                             (http://localhost:5173, http://127.0.0.1:5173); loopback --host only
  --max-clients <n>          WebSocket clients at once (more: HTTP 503)  (64)
  --static-dir <dir>         the built page                              (the package's dist/web)
  --record <file>            write the session to <file> as it happens (NDJSON; replaces the file)

peers
  --lab / --no-lab           run the embedded loopback peer lab          (on)
  --seed <n>                 lab seed: the same seed replays the same story (1)
  --time-scale <s>           the manager's clock speed: 1, 0.5, 0.25 or 0.1 (slow
                             motion; also from the page)                  (1)
  --lab-scenario <name>      lively: a failing persistent peer, restarts, idle
                             kicks and inbound bursts; quiet: the peers only  (lively)
  --lesson <name>            start a lesson at step 1, in its own scene (step
                             through it from the page's Lessons panel):
${lessonLines()}
  --connect <host:port>      dial a real peer once (repeatable)
  --persistent <host:port>   keep a real peer connected (repeatable)
  --listen <host:port>       the manager's inbound listener              (127.0.0.1:0; "none" to disable)
  --dns-seed <name:port>     automatic outbound from a DNS seed's A/AAAA records
                             (repeatable; with --no-lab)
  --addresses <file>         automatic outbound from a file of host:port lines,
                             reloaded when it changes (with --no-lab)

fleet (README "Watching a fleet"; connscope fleet --help for the dashboard)
  --nats <url>               publish to NATS JetStream, e.g. nats://127.0.0.1:4222
                             (repeatable: several servers of one cluster)
  --node <name>              this node's name in the fleet: letters, digits, _ or -
  --nats-buffer <n>          events kept while NATS is away; then dropped, counted (10000)
  --stream-max-age <d>       the stream's max age if this node creates it (24h)
  --stream-max-bytes <size>  the stream's max size if this node creates it (1GiB)

connection manager (lab defaults / real-peer defaults)
  --target-outbound <n>      automatic outbound to keep                  (8 / 8)
  --max-inbound <n>          inbound connections at once                 (16 / 117)
  --max-persistent <n>       persistent entries                          (8 / 8)
  --dial-timeout-ms <n>      dial timeout                                (5000 / 30000)
  --retry-delay-ms <n>       base retry step                             (2000 / 5000)
  --max-retry-delay-ms <n>   backoff cap                                 (30000 / 300000)
  --max-failed-attempts <n>  automatic failures before the outage pause  (25 / 25)
  --backoff <kind>           linear | exponential                        (linear)
  --inbound-policy <p>       shed | pause                                (shed)
  --idle-timeout-ms <n>      close silent connections; 0 = off           (20000 / 0)
  --max-inbound-per-host <n> inbound at once from one host; 0 = off      (0 / 8)
  --inbound-rate <r/b>       per-host accepts: r a second, b at once; off (off / 5/10)
  --ban-threshold <n>        ban score that bans a host                  (100 / 100)
  --ban-duration-ms <n>      how long a ban lasts                        (120000 / 86400000)
  --allow-host <addr|cidr>   never banned, no per-host limits (repeatable)

logs (on stdout: the start, warnings, one line per WebSocket session and refused upgrade)
  --log-format <f>           pretty | json (one JSON record a line)      (pretty)
  --log-level <l>            trace | debug | info | warn | error | fatal | silent (info)

  -h, --help                 this text
  -v, --version              print the version

environment (a flag wins over its variable)
  CONNSCOPE_HOST, CONNSCOPE_PORT, CONNSCOPE_TOKEN   as --host, --port, --token
`;

/** The lesson names for `--help`, two a line under the flag's description. */
function lessonLines(): string {
  const lines: string[] = [];
  for (let i = 0; i < LESSON_NAMES.length; i += 2) lines.push(`${' '.repeat(29)}${LESSON_NAMES.slice(i, i + 2).join(', ')}`);
  return lines.join(',\n');
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

const INT_FLAGS = {
  'target-outbound': 'targetOutbound',
  'max-inbound': 'maxInbound',
  'max-persistent': 'maxPersistent',
  'dial-timeout-ms': 'dialTimeoutMs',
  'retry-delay-ms': 'retryDelayMs',
  'max-retry-delay-ms': 'maxRetryDelayMs',
  'max-failed-attempts': 'maxFailedAttempts',
  'idle-timeout-ms': 'idleTimeoutMs',
  'max-inbound-per-host': 'maxInboundPerHost',
  'ban-threshold': 'banThreshold',
  'ban-duration-ms': 'banDurationMs',
} as const;

/**
 * Parses argv (without `node script`) and the `CONNSCOPE_*` variables of `env`; throws `CliError`
 * with a message naming the bad flag or variable.
 */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliConfig {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        ...SERVER_FLAGS,
        record: { type: 'string' },
        lab: { type: 'boolean' },
        'no-lab': { type: 'boolean' },
        seed: { type: 'string' },
        'lab-scenario': { type: 'string' },
        lesson: { type: 'string' },
        'time-scale': { type: 'string' },
        connect: { type: 'string', multiple: true },
        persistent: { type: 'string', multiple: true },
        'dns-seed': { type: 'string', multiple: true },
        addresses: { type: 'string' },
        listen: { type: 'string' },
        backoff: { type: 'string' },
        'inbound-policy': { type: 'string' },
        'inbound-rate': { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        ...NATS_FLAGS,
        node: { type: 'string' },
        'nats-buffer': { type: 'string' },
        ...Object.fromEntries(Object.keys(INT_FLAGS).map((k) => [k, { type: 'string' as const }])),
      },
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const values = parsed.values as FlagValues;
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const server = serverFlags(values, env);
  const lab = values['no-lab'] !== true;
  const labScenario = str('lab-scenario') ?? 'lively';
  if (!(LAB_SCENARIOS as readonly string[]).includes(labScenario)) {
    throw new CliError(`--lab-scenario must be one of ${LAB_SCENARIOS.join(', ')}, got "${labScenario}"`);
  }
  if (!lab && str('lab-scenario') !== undefined) throw new CliError('--lab-scenario is for the lab; drop it or --no-lab');
  const dnsSeeds = (values['dns-seed'] as string[] | undefined) ?? [];
  for (const seed of dnsSeeds) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(seed) || Number(seed.split(':')[1]) < 1 || Number(seed.split(':')[1]) > 65535) {
      throw new CliError(`--dns-seed must be name:port (e.g. seed.example.org:8333), got "${seed}"`);
    }
  }
  const addressesFile = str('addresses');
  if (lab && (dnsSeeds.length > 0 || addressesFile !== undefined)) {
    throw new CliError(
      '--dns-seed and --addresses feed automatic outbound against real peers: add --no-lab (the lab has its own address book)',
    );
  }
  const lesson = str('lesson');
  if (lesson !== undefined) {
    if (!lab) throw new CliError('--lesson runs in the lab; drop it or --no-lab');
    if (!(LESSON_NAMES as readonly string[]).includes(lesson)) {
      throw new CliError(`--lesson must be one of ${LESSON_NAMES.join(', ')}, got "${lesson}"`);
    }
  }
  const timeScaleRaw = str('time-scale');
  if (!lab && timeScaleRaw !== undefined)
    throw new CliError('--time-scale is for the lab (against real peers the manager keeps real time); drop it or --no-lab');
  const timeScale = timeScaleRaw === undefined ? 1 : Number(timeScaleRaw);
  if (!TIME_SCALES.includes(timeScale as (typeof TIME_SCALES)[number])) {
    throw new CliError(`--time-scale must be one of ${TIME_SCALES.join(', ')}, got "${timeScaleRaw}"`);
  }
  const defaults = lab ? LAB_MANAGER_DEFAULTS : REAL_MANAGER_DEFAULTS;
  const manager = { ...defaults, allowHosts: [...((values['allow-host'] as string[] | undefined) ?? [])] };
  try {
    new BanPolicy({ allowHosts: manager.allowHosts }); // the manager's own parser names a bad entry
  } catch (err) {
    throw new CliError(`--allow-host: ${(err as Error).message}`);
  }
  for (const [flag, key] of Object.entries(INT_FLAGS)) {
    const raw = str(flag);
    // The same minimums as the manager's options, so a bad value is reported with its flag.
    const min = ['dialTimeoutMs', 'retryDelayMs', 'maxFailedAttempts', 'banThreshold', 'banDurationMs'].includes(key) ? 1 : 0;
    if (raw !== undefined) manager[key] = int(flag, raw, min);
  }
  const backoff = str('backoff');
  if (backoff !== undefined) {
    if (!(BACKOFF_KINDS as readonly string[]).includes(backoff)) {
      throw new CliError(`--backoff must be one of ${BACKOFF_KINDS.join(', ')}, got "${backoff}"`);
    }
    manager.backoff = backoff as BackoffKind;
  }
  const policy = str('inbound-policy');
  if (policy !== undefined) {
    if (!(INBOUND_POLICIES as readonly string[]).includes(policy)) {
      throw new CliError(`--inbound-policy must be one of ${INBOUND_POLICIES.join(', ')}, got "${policy}"`);
    }
    manager.inboundPolicy = policy as InboundPolicy;
  }
  const rate = str('inbound-rate');
  if (rate !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(rate);
    if (rate === 'off') manager.inboundRate = null;
    else if (m && Number(m[1]) > 0 && Number(m[2]) >= 1) manager.inboundRate = { perSecond: Number(m[1]), burst: Number(m[2]) };
    else throw new CliError(`--inbound-rate must be PER_SECOND/BURST (e.g. 5/10) or off, got "${rate}"`);
  }
  if (manager.maxRetryDelayMs < manager.retryDelayMs) {
    throw new CliError(`--max-retry-delay-ms (${manager.maxRetryDelayMs}) must be >= --retry-delay-ms (${manager.retryDelayMs})`);
  }
  const listenRaw = str('listen') ?? '127.0.0.1:0';
  let listen: CliConfig['listen'] = null;
  if (listenRaw !== 'none') {
    if (/:0$/.test(listenRaw)) {
      listen = { host: listenRaw.slice(0, -2).replace(/^\[|\]$/g, ''), port: 0 };
    } else {
      listen = addressFlag('listen', listenRaw, parseAddress);
    }
  }
  const list = (name: string): string[] =>
    ((values[name] as string[] | undefined) ?? []).map((a) => addressFlag(name, a, normalizeAddress));
  const persistent = list('persistent');
  // What addPersistent would refuse once the manager runs: say it here, with the flags' names.
  // A lesson starts from an empty scene: it would remove these peers at once.
  if (lesson !== undefined && (persistent.length > 0 || (values.connect as string[] | undefined)?.length)) {
    throw new CliError('--lesson starts from an empty scene (it removes every connection); drop --persistent and --connect');
  }
  const twice = persistent.find((a, i) => persistent.indexOf(a) !== i);
  if (twice !== undefined) throw new CliError(`--persistent: ${twice} is given twice`);
  if (persistent.length > manager.maxPersistent) {
    throw new CliError(`--persistent: ${persistent.length} peers but --max-persistent ${manager.maxPersistent}; raise it`);
  }
  const nats = natsFlags(values);
  return {
    ...server,
    ...(nats === undefined ? {} : { nats }),
    ...(str('record') === undefined ? {} : { recordFile: str('record') as string }),
    ...(lesson === undefined ? {} : { lesson: lesson as LessonName }),
    ...(addressesFile === undefined ? {} : { addressesFile }),
    dnsSeeds,
    lab,
    labScenario: labScenario as LabScenario,
    timeScale,
    seed: int('seed', str('seed') ?? '1', 0, 2 ** 32 - 1),
    listen,
    connect: list('connect'),
    persistent,
    manager,
  };
}

/** NATS flags the node and `connscope fleet` share. */
export const NATS_FLAGS = {
  nats: { type: 'string', multiple: true },
  'stream-max-age': { type: 'string' },
  'stream-max-bytes': { type: 'string' },
} as const;

/** `--nats` URLs: `nats://host:port` (or `tls://`, `ws://`, `wss://`), or `host:port`. */
export function natsServers(values: FlagValues): string[] {
  const servers = ((values.nats as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  for (const url of servers) {
    let ok = false;
    try {
      const u = new URL(url.includes('://') ? url : `nats://${url}`);
      ok = ['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '' && u.pathname.replace('/', '') === '';
    } catch {
      ok = false;
    }
    if (!ok) throw new CliError(`--nats must be a NATS server URL such as nats://127.0.0.1:4222, got "${url}"`);
  }
  return servers;
}

/** `--stream-max-age` and `--stream-max-bytes`, with their defaults (24 h, 1 GiB). */
export function streamLimits(values: FlagValues): { streamMaxAgeMs: number; streamMaxBytes: number } {
  const age = values['stream-max-age'] as string | undefined;
  const bytes = values['stream-max-bytes'] as string | undefined;
  return {
    streamMaxAgeMs: age === undefined ? 24 * 3_600_000 : duration('stream-max-age', age, 1000),
    streamMaxBytes: bytes === undefined ? 1024 ** 3 : size('stream-max-bytes', bytes, 1024 ** 2),
  };
}

/** A duration flag: `500ms`, `90s`, `30m`, `24h`, `7d`, or a bare number of seconds; in ms, at least `minMs`. */
export function duration(flag: string, raw: string, minMs: number): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m?.[2] ?? 's') as 'ms'];
  const ms = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < minMs) {
    throw new CliError(`--${flag} must be a duration of at least ${minMs} ms such as 90s, 30m, 24h or 7d, got "${raw}"`);
  }
  return ms;
}

/** A size flag: `1GiB`, `512MiB`, `64KiB`, or bytes; at least `minBytes`. */
export function size(flag: string, raw: string, minBytes: number): number {
  const m = /^(\d+)(B|KiB|MiB|GiB|TiB)?$/.exec(raw);
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }[(m?.[2] ?? 'B') as 'B'];
  const bytes = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < minBytes) {
    throw new CliError(`--${flag} must be a size of at least ${minBytes} bytes such as 512MiB or 1GiB, got "${raw}"`);
  }
  return bytes;
}

/** The node's `--nats` / `--node` pair (both or neither) and its limits. */
function natsFlags(values: FlagValues): NatsFlags | undefined {
  const servers = natsServers(values);
  const node = values.node as string | undefined;
  const extras = ['nats-buffer', 'stream-max-age', 'stream-max-bytes'].filter((f) => values[f] !== undefined);
  if (servers.length === 0) {
    if (node !== undefined) throw new CliError('--node names this node for a fleet: add --nats nats://HOST:PORT');
    if (extras.length > 0) throw new CliError(`--${extras[0]} is for publishing to NATS: add --nats nats://HOST:PORT --node NAME`);
    return undefined;
  }
  if (node === undefined) throw new CliError('--nats needs --node NAME: the name this node has in the fleet');
  const problem = nodeNameProblem(node);
  if (problem !== undefined) throw new CliError(`--node: ${problem}`);
  const buffer = values['nats-buffer'] as string | undefined;
  return {
    servers,
    node,
    bufferEvents: buffer === undefined ? 10_000 : int('nats-buffer', buffer, 1, 10_000_000),
    ...streamLimits(values),
  };
}

/** Flags every connscope server takes: the live one and `connscope replay`. */
export const SERVER_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  dev: { type: 'boolean' },
  'max-clients': { type: 'string' },
  'static-dir': { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** What `parseArgs` gives back, loosely typed. */
export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** The settings of SERVER_FLAGS (and their variables) that every server has. */
export type ServerFlags = Pick<
  CliConfig,
  | 'host'
  | 'port'
  | 'token'
  | 'tokenFile'
  | 'tokenSource'
  | 'allowedOrigins'
  | 'dev'
  | 'maxClients'
  | 'staticDir'
  | 'logFormat'
  | 'logLevel'
  | 'help'
  | 'version'
>;

/** Reads SERVER_FLAGS and the `CONNSCOPE_*` variables, with the same rules and defaults for every server. */
export function serverFlags(values: FlagValues, env: Readonly<Record<string, string | undefined>>): ServerFlags {
  const str = (name: string): string | undefined => values[name] as string | undefined;
  // An empty variable counts as unset (as in `CONNSCOPE_TOKEN= connscope`), never as a value.
  const fromEnv = (name: keyof typeof ENV_VARS): string | undefined => (env[ENV_VARS[name]] === '' ? undefined : env[ENV_VARS[name]]);
  const tokenFlags = [str('token') && '--token', str('token-file') && '--token-file'].filter(Boolean);
  if (tokenFlags.length > 1) throw new CliError('--token and --token-file: give one of them');
  const host = str('host') ?? fromEnv('host') ?? '127.0.0.1';
  const dev = values.dev === true;
  if (dev && !isLoopbackHost(host)) {
    // The dev origins are pages on the operator's own machine; on a reachable bind they would
    // let any local app on port 5173 of every machine that can reach it read the dashboard.
    throw new CliError(`--dev is for a loopback --host only (got "${host}")`);
  }
  const allowedOrigins = (values['allow-origin'] as string[] | undefined) ?? [];
  for (const origin of allowedOrigins) {
    const problem = allowedOriginProblem(origin);
    if (problem !== undefined) throw new CliError(`--allow-origin: ${problem}`);
  }
  const portFlag = str('port');
  const portEnv = fromEnv('port');
  const port =
    portFlag !== undefined ? int('port', portFlag, 0, 65535) : portEnv !== undefined ? envInt(ENV_VARS.port, portEnv, 0, 65535) : 8787;
  return {
    host,
    port,
    ...tokenOf(str('token'), str('token-file'), fromEnv('token')),
    allowedOrigins,
    dev,
    maxClients: int('max-clients', str('max-clients') ?? '64', 1),
    staticDir: str('static-dir') ?? defaultStaticDir(),
    logFormat: oneOf('log-format', str('log-format') ?? 'pretty', LOG_FORMATS),
    logLevel: oneOf('log-level', str('log-level') ?? 'info', LOG_LEVELS),
    help: values.help === true,
    version: values.version === true,
  };
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new CliError(`--${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** The token's source: a flag wins over the environment; `--token-file` is read later. */
function tokenOf(
  flag: string | undefined,
  file: string | undefined,
  env: string | undefined,
): Pick<CliConfig, 'token' | 'tokenFile' | 'tokenSource'> {
  if (flag !== undefined) return { token: flag, tokenSource: 'flag' };
  if (file !== undefined) return { tokenFile: file, tokenSource: 'file' };
  if (env !== undefined) return { token: env, tokenSource: 'env' };
  return {};
}

function envInt(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new CliError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** The longest token file read: a token is a line, not a document. */
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * Reads `--token-file`: the first line, trimmed. Refuses an empty or oversized file with a
 * message naming the flag; warns (through `warn`) when other users may read it, as ssh does.
 */
export function readTokenFile(path: string, warn: (message: string) => void = () => undefined): string {
  let text: string;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new CliError(`--token-file: ${path} is not a file`);
    if (info.size > MAX_TOKEN_FILE_BYTES)
      throw new CliError(`--token-file: ${path} is larger than ${MAX_TOKEN_FILE_BYTES} bytes; it should hold one line`);
    if ((info.mode & 0o077) !== 0) warn(`--token-file ${path} is readable by other users (chmod 600 it)`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`--token-file: cannot read ${path}: ${(err as Error).message}`);
  }
  const token = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (token === '') throw new CliError(`--token-file: ${path} is empty (write the token on its first line)`);
  return token;
}

export function int(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new CliError(`--${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function addressFlag<T>(flag: string, raw: string, parse: (a: string) => T): T {
  try {
    return parse(raw);
  } catch (err) {
    throw new CliError(`--${flag}: ${(err as Error).message}`);
  }
}
