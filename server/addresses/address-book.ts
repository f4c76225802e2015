/**
 * Where automatic outbound finds peers on a real network (README "Address sources"): an
 * `AddressBook` fed by DNS seeds, a file and `add()`, handing out one address at a time through
 * `getNewAddress()` — pass it as the manager's `getNewAddress`, or the book itself as
 * `addressBook` so the manager also tells it what became of each address.
 *
 * What it hands out: an address that is not connected (nor handed out and still being dialed),
 * not banned (`isBanned`), and not cooling down after failures — the cooldown doubles with each
 * failure in a row (`cooldownMs` × 2^(failures−1), at most `maxCooldownMs`) and a success clears
 * it. Among those, never-tried addresses first (in the order learned), then the least recently
 * tried. Deterministic: no randomness, so a test can say which address comes next.
 *
 * Sources: DNS seeds (`name:port`, A and AAAA records through `node:dns`'s `Resolver`, or an
 * injected one) resolved at `start()` and every `dnsRefreshMs`; a file (`host:port` per line, `#`
 * comments) read at `start()` and again whenever it changes (checked every `fileCheckMs`). A seed
 * or a file that fails is logged and retried at the next refresh; the book keeps what it knew.
 */
import { readFile, stat } from 'node:fs/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ConnMgrError } from '../connmgr/errors.ts';
import { normalizeAddress } from '../connmgr/address.ts';

/** What the book needs of a DNS resolver (node:dns/promises' `Resolver` has it). */
export interface SeedResolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface AddressBookOptions {
  /** DNS seeds as `name:port`: every A and AAAA record becomes `ip:port`. @default [] */
  dnsSeeds?: readonly string[];
  /** A file of `host:port` lines (`#` starts a comment), reloaded when it changes. */
  file?: string;
  /** The resolver for seeds. @default a `node:dns` Resolver (the system's servers) */
  resolver?: SeedResolver;
  /** Seeds are resolved again this often. @default 600000 (10 min) */
  dnsRefreshMs?: number;
  /** The file's modification time is checked this often. @default 2000 */
  fileCheckMs?: number;
  /** Cooldown after the first failure in a row; it doubles with each further one. @default 10000 */
  cooldownMs?: number;
  /** The cooldown's cap. @default 600000 (10 min) */
  maxCooldownMs?: number;
  /** Addresses kept at most; past it the least recently useful ones go. @default 10000 */
  maxSize?: number;
  /**
   * A hand-out with no report (`markGood`/`markFailed`/`markClosed`) after this long is handed out
   * again: a caller that took an address and never dialed it does not lose it. @default 120000
   */
  handOutTtlMs?: number;
  /** Addresses never handed out (e.g. the manager's ban list). */
  isBanned?: (addr: string) => boolean;
  now?: () => number;
  /** Where a failing seed or file is reported. @default console */
  logger?: { warn(message: string): void };
}

interface Entry {
  readonly addr: string;
  /** Where it was learned: `dns:<seed>`, `file`, `added`. */
  source: string;
  failures: number;
  lastTriedAt: number | null;
  lastFailedAt: number | null;
  lastGoodAt: number | null;
  /** Learning order, for a stable pick among equals. */
  readonly order: number;
}

/** One address as `entries()` lists it. */
export type AddressInfo = Readonly<Omit<Entry, 'order'>> & { state: 'connected' | 'dialing' | 'cooling' | 'banned' | 'ready' };

export class AddressBook {
  readonly #o: Required<Omit<AddressBookOptions, 'file' | 'resolver' | 'isBanned'>> & Pick<AddressBookOptions, 'file' | 'isBanned'>;
  readonly #resolver: SeedResolver;
  readonly #entries = new Map<string, Entry>();
  /** Handed out and not reported on yet (being dialed), with when; and connected. */
  readonly #dialing = new Map<string, number>();
  readonly #connected = new Set<string>();
  #order = 0;
  #dnsTimer: NodeJS.Timeout | undefined;
  #fileTimer: NodeJS.Timeout | undefined;
  #fileMtime = -1;
  /** Addresses the file listed last time (a line removed from the file leaves the book). */
  #fromFile = new Set<string>();
  #stopped = false;

  /** @throws TypeError for a malformed seed (`name:port`) or option. */
  constructor(options: AddressBookOptions = {}) {
    const seeds = options.dnsSeeds ?? [];
    for (const s of seeds) parseSeed(s);
    this.#o = {
      dnsSeeds: seeds,
      file: options.file,
      dnsRefreshMs: positive(options.dnsRefreshMs ?? 600_000, 'dnsRefreshMs'),
      fileCheckMs: positive(options.fileCheckMs ?? 2000, 'fileCheckMs'),
      cooldownMs: positive(options.cooldownMs ?? 10_000, 'cooldownMs'),
      maxCooldownMs: positive(options.maxCooldownMs ?? 600_000, 'maxCooldownMs'),
      maxSize: positive(options.maxSize ?? 10_000, 'maxSize'),
      handOutTtlMs: positive(options.handOutTtlMs ?? 120_000, 'handOutTtlMs'),
      isBanned: options.isBanned,
      now: options.now ?? Date.now,
      logger: options.logger ?? console,
    };
    this.#resolver = options.resolver ?? new Resolver();
  }

  #banCheck: ((addr: string) => boolean) | undefined;

  /**
   * The manager's ban list, given by the manager this book is the `addressBook` of (README
   * "Ban score"): its banned hosts are not handed out, as with the `isBanned` option.
   */
  setBanCheck(isBanned: (addr: string) => boolean): void {
    this.#banCheck = isBanned;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Reads the sources once (waits for them), then keeps them fresh until `stop()`. */
  async start(): Promise<void> {
    await Promise.all([this.refreshSeeds(), this.#checkFile()]);
    if (this.#stopped) return;
    if (this.#o.dnsSeeds.length > 0) this.#dnsTimer = setInterval(() => void this.refreshSeeds(), this.#o.dnsRefreshMs).unref();
    if (this.#o.file !== undefined) this.#fileTimer = setInterval(() => void this.#checkFile(), this.#o.fileCheckMs).unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#dnsTimer);
    clearInterval(this.#fileTimer);
  }

  /** Learns `addr` (`host:port`); returns false if it was known. @throws ConnMgrError `ERR_INVALID_ADDRESS` when malformed. */
  add(addr: string, source = 'added'): boolean {
    const a = normalizeAddress(addr);
    if (this.#entries.has(a)) return false;
    this.#entries.set(a, { addr: a, source, failures: 0, lastTriedAt: null, lastFailedAt: null, lastGoodAt: null, order: this.#order++ });
    this.#evict();
    return true;
  }

  /** Forgets `addr` (unless it is connected or being dialed). */
  remove(addr: string): boolean {
    const a = normalizeAddress(addr);
    if (this.#connected.has(a) || this.#dialing.has(a)) return false;
    return this.#entries.delete(a);
  }

  /**
   * The next address to dial (README "Address sources": which one, and why). Rejects with
   * `ERR_NO_ADDRESS`, saying how many are known and why none fits, when there is none.
   */
  async getNewAddress(): Promise<string> {
    const now = this.#o.now();
    let best: Entry | undefined;
    for (const e of this.#entries.values()) {
      if (this.#stateOf(e, now) !== 'ready') continue;
      if (best === undefined || before(e, best)) best = e;
    }
    if (best === undefined) throw new ConnMgrError('ERR_NO_ADDRESS', this.#whyNone(now));
    best.lastTriedAt = now;
    this.#dialing.set(best.addr, now);
    return best.addr;
  }

  /** The manager connected to `addr`: no cooldown, and not handed out while connected. */
  markGood(addr: string): void {
    const e = this.#entries.get(addr);
    this.#dialing.delete(addr);
    this.#connected.add(addr);
    if (!e) return;
    e.failures = 0;
    e.lastFailedAt = null;
    e.lastGoodAt = this.#o.now();
  }

  /** A dial to `addr` failed: it cools down, longer with each failure in a row. */
  markFailed(addr: string): void {
    this.#dialing.delete(addr);
    this.#connected.delete(addr);
    const e = this.#entries.get(addr);
    if (!e) return;
    e.failures += 1;
    e.lastFailedAt = this.#o.now();
  }

  /** The connection to `addr` ended (after `markGood`): it may be handed out again. */
  markClosed(addr: string): void {
    this.#dialing.delete(addr);
    this.#connected.delete(addr);
  }

  /** Every address with what the book knows and whether it would be handed out now. */
  entries(): AddressInfo[] {
    const now = this.#o.now();
    return [...this.#entries.values()].map((e) => {
      const { order: _o, ...info } = e;
      return { ...info, state: this.#stateOf(e, now) };
    });
  }

  /** Resolves every seed again (A and AAAA) and learns the answers. Never throws. */
  async refreshSeeds(): Promise<void> {
    await Promise.all(
      this.#o.dnsSeeds.map(async (seed) => {
        const { name, port } = parseSeed(seed);
        const [v4, v6] = await Promise.allSettled([this.#resolver.resolve4(name), this.#resolver.resolve6(name)]);
        const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
        if (ips.length === 0) {
          const why = [v4, v6]
            .map((r) => (r.status === 'rejected' ? ((r.reason as NodeJS.ErrnoException).code ?? String(r.reason)) : 'no records'))
            .join(' / ');
          this.#o.logger.warn(`address book: DNS seed ${seed} gave no address (${why})`);
          return;
        }
        if (this.#stopped) return;
        for (const ip of ips) this.add(isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`, `dns:${seed}`);
      }),
    );
  }

  async #checkFile(): Promise<void> {
    const path = this.#o.file;
    if (path === undefined) return;
    try {
      const st = await stat(path);
      if (st.mtimeMs === this.#fileMtime) return;
      const text = await readFile(path, 'utf8');
      this.#fileMtime = st.mtimeMs;
      if (this.#stopped) return;
      this.#loadFile(text, path);
    } catch (err) {
      this.#o.logger.warn(`address book: cannot read ${path}: ${(err as Error).message}`);
    }
  }

  #loadFile(text: string, path: string): void {
    const listed = new Set<string>();
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      try {
        const a = normalizeAddress(line);
        listed.add(a);
        this.add(a, 'file');
      } catch (err) {
        this.#o.logger.warn(`address book: ${path} line ${i + 1}: ${(err as Error).message}`);
      }
    }
    // A line taken out of the file: the address leaves the book (unless in use now).
    for (const a of this.#fromFile) if (!listed.has(a) && this.#entries.get(a)?.source === 'file') this.remove(a);
    this.#fromFile = listed;
  }

  #stateOf(e: Entry, now: number): AddressInfo['state'] {
    if (this.#connected.has(e.addr)) return 'connected';
    const handedAt = this.#dialing.get(e.addr);
    if (handedAt !== undefined) {
      if (now - handedAt < this.#o.handOutTtlMs) return 'dialing';
      this.#dialing.delete(e.addr); // never reported on: free again
    }
    if (this.#o.isBanned?.(e.addr) || this.#banCheck?.(e.addr)) return 'banned';
    if (e.failures > 0 && e.lastFailedAt !== null && now < e.lastFailedAt + this.cooldownFor(e.failures)) return 'cooling';
    return 'ready';
  }

  /** The wait after `failures` failures in a row. */
  cooldownFor(failures: number): number {
    if (failures <= 0) return 0;
    return Math.min(this.#o.maxCooldownMs, this.#o.cooldownMs * 2 ** Math.min(30, failures - 1));
  }

  #whyNone(now: number): string {
    if (this.#entries.size === 0) {
      const sources = [...this.#o.dnsSeeds.map((s) => `DNS seed ${s}`), ...(this.#o.file ? [`file ${this.#o.file}`] : [])];
      return `the address book is empty${sources.length > 0 ? ` (sources: ${sources.join(', ')})` : ' (no sources: add addresses, a DNS seed or a file)'}`;
    }
    const count: Record<string, number> = {};
    for (const e of this.#entries.values()) {
      const s = this.#stateOf(e, now);
      count[s] = (count[s] ?? 0) + 1;
    }
    const parts = Object.entries(count).map(([s, n]) => `${n} ${s}`);
    return `no address to dial: ${this.#entries.size} known (${parts.join(', ')})`;
  }

  #evict(): void {
    while (this.#entries.size > this.#o.maxSize) {
      let worst: Entry | undefined;
      for (const e of this.#entries.values()) {
        if (this.#connected.has(e.addr) || this.#dialing.has(e.addr)) continue;
        if (worst === undefined || e.failures > worst.failures || (e.failures === worst.failures && e.order < worst.order)) worst = e;
      }
      if (worst === undefined) return;
      this.#entries.delete(worst.addr);
    }
  }
}

/** Never tried first (learning order), then the least recently tried. */
function before(a: Entry, b: Entry): boolean {
  if ((a.lastTriedAt === null) !== (b.lastTriedAt === null)) return a.lastTriedAt === null;
  if (a.lastTriedAt !== null && b.lastTriedAt !== null && a.lastTriedAt !== b.lastTriedAt) return a.lastTriedAt < b.lastTriedAt;
  return a.order < b.order;
}

function parseSeed(seed: string): { name: string; port: number } {
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(seed);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new TypeError(`DNS seed "${seed}" must be name:port (e.g. seed.example.org:8333)`);
  return { name: m[1]!, port };
}

function positive(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new TypeError(`option ${name} must be a whole number of at least 1, got ${n}`);
  return n;
}
