/**
 * The stage of one lesson run (README "Lessons"): what a step's `enter` may do, and everything
 * it started — lab peers' hang-ups, timers on the manager's clock, inbound clients, waits — so
 * that ending the scene (going back, another lesson, End, the lab stopping) leaves none of it
 * behind. Peers it started are the lab's peers; the next scene's reset stops them.
 */
import { connect, type Socket } from 'node:net';
import { parseAddress, type Clock, type LiveOptions } from '../../connmgr/index.ts';
import type { FloodOptions, PeerBehaviour } from '../../protocol/lab.ts';
import { MAX_LESSON_LOG } from '../../protocol/lessons.ts';
import type { Peer } from '../peer.ts';
import type { LessonManager, LessonScene, ScenePeer, ScenePeerOptions } from './types.ts';

/** What the lab gives a scene. */
export interface LessonStage {
  readonly manager: LessonManager;
  /** The manager's clock: the scene's timers slow down and freeze with it. */
  readonly clock: Clock;
  /** Lesson time × this = manager time (1 in a class; tests run lessons faster). */
  readonly timeScale: number;
  startPeer(behaviour: PeerBehaviour, inBook: boolean): Promise<Peer>;
  startFlood(options: FloodOptions): void;
  stopFlood(): void;
  /** The manager's listener, `host:port`, if it has one. */
  managerListen(): string | undefined;
}

/**
 * Resolves true once `check()` holds — re-checked after every manager event — or false after
 * `timeoutMs` of real time, or at once when canceled.
 */
export function waitOnManager(
  manager: Pick<LessonManager, 'on'>,
  check: () => boolean,
  timeoutMs: number,
): { done: Promise<boolean>; cancel(): void } {
  if (check()) return { done: Promise.resolve(true), cancel: () => undefined };
  let finish: (ok: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => {
    const kinds = ['conn:state', 'listener:state', 'inbound:rejected', 'outbound:throttled'] as const;
    // Checked once the manager has finished what it was doing when it emitted (a count it
    // updates after the event, as the failures in a row after a successful dial).
    const offs = kinds.map((kind) => manager.on(kind, () => queueMicrotask(() => check() && finish(true))));
    const timer = setTimeout(() => finish(false), timeoutMs);
    let settled = false;
    finish = (ok) => {
      if (settled) return;
      settled = true;
      for (const off of offs) off();
      clearTimeout(timer);
      resolve(ok);
    };
  });
  return { done, cancel: () => finish(false) };
}

/** Thrown into a step's `enter` when its scene ended meanwhile: the step stops there. */
export class SceneEnded extends Error {
  override readonly name = 'SceneEnded';
}

/** Durations a lesson gives `configure` (scaled to lesson time; 0 keeps meaning "off"). */
const DURATIONS = ['retryDelayMs', 'maxRetryDelayMs', 'dialTimeoutMs', 'idleTimeoutMs'] as const;

export class Scene implements LessonScene {
  readonly #stage: LessonStage;
  readonly #onLog: () => void;
  readonly #peers = new Map<string, Peer>();
  readonly #ids = new Map<string, number>();
  readonly #timers = new Set<unknown>();
  readonly #sockets = new Set<Socket>();
  readonly #waits = new Set<() => void>();
  readonly #log: string[] = [];
  #ended = false;

  constructor(stage: LessonStage, onLog: () => void) {
    this.#stage = stage;
    this.#onLog = onLog;
  }

  get manager(): LessonManager {
    return this.#stage.manager;
  }

  get log(): readonly string[] {
    return this.#log;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Lesson time → manager time (at least 1 ms; 0 stays 0). */
  ms(lessonMs: number): number {
    return lessonMs === 0 ? 0 : Math.max(1, Math.round(lessonMs * this.#stage.timeScale));
  }

  configure(patch: LiveOptions): void {
    this.#live();
    const scaled: LiveOptions = { ...patch };
    for (const key of DURATIONS) {
      const value = patch[key];
      if (value !== undefined) scaled[key] = this.ms(value);
    }
    this.manager.configure(scaled);
  }

  async addPeer(name: string, behaviour: PeerBehaviour, options: ScenePeerOptions = {}): Promise<ScenePeer> {
    this.#live();
    const peer = await this.#stage.startPeer(behaviour, options.inBook ?? false);
    this.#peers.set(name, peer);
    this.#live();
    if (options.down) await peer.setDown(true);
    const after = options.hangUpAfterMs;
    if (after !== undefined) {
      peer.setHangUp(after === 0 ? (hangUp) => hangUp() : (hangUp) => this.after(after, hangUp));
    }
    this.#live();
    return this.peer(name);
  }

  peer(name: string): ScenePeer {
    const peer = this.#peers.get(name);
    if (!peer) throw new Error(`lesson bug: no peer named ${JSON.stringify(name)} in this scene`);
    return { peerId: peer.id, behaviour: peer.behaviour, addr: peer.addr, port: peer.port };
  }

  async setDown(name: string, down: boolean): Promise<void> {
    this.#live();
    const peer = this.#peers.get(name);
    if (!peer) throw new Error(`lesson bug: no peer named ${JSON.stringify(name)} in this scene`);
    await peer.setDown(down);
  }

  keep(name: string, id: number): void {
    this.#ids.set(name, id);
  }

  id(name: string): number {
    const id = this.#ids.get(name);
    if (id === undefined) throw new Error(`lesson bug: no connection named ${JSON.stringify(name)} in this scene`);
    return id;
  }

  after(ms: number, fn: () => void): void {
    if (this.#ended) return;
    const clock = this.#stage.clock;
    const handle = clock.setTimeout(() => {
      this.#timers.delete(handle);
      if (!this.#ended) fn();
    }, this.ms(ms));
    this.#timers.add(handle);
  }

  until(what: string, check: () => boolean, timeoutMs = 5000): Promise<boolean> {
    this.#live();
    const wait = waitOnManager(this.manager, check, timeoutMs);
    this.#waits.add(wait.cancel);
    return wait.done.then((ok) => {
      this.#waits.delete(wait.cancel);
      if (!ok) this.note(`waited ${timeoutMs / 1000} s, but ${what} did not happen`);
      return ok;
    });
  }

  startFlood(options: FloodOptions): void {
    this.#live();
    this.#stage.startFlood(options);
  }

  stopFlood(): void {
    this.#live();
    this.#stage.stopFlood();
  }

  dialFrom(localPort: number): void {
    this.#live();
    const listen = this.#stage.managerListen();
    if (listen === undefined) {
      this.note('the manager has no listener: no inbound connection can be made');
      return;
    }
    const target = parseAddress(listen);
    const socket = connect({ host: target.host, port: target.port, localAddress: '127.0.0.1', localPort });
    this.#sockets.add(socket);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.#ended) this.note(`inbound from 127.0.0.1:${localPort}: ${err.code ?? err.message}`);
    });
    socket.resume();
    socket.once('close', () => this.#sockets.delete(socket));
  }

  note(line: string): void {
    if (this.#ended) return;
    this.#log.push(line);
    if (this.#log.length > MAX_LESSON_LOG) this.#log.splice(0, this.#log.length - MAX_LESSON_LOG);
    this.#onLog();
  }

  async attempt<T>(what: string, action: () => T | Promise<T>): Promise<T | undefined> {
    this.#live();
    try {
      const value = await action();
      this.note(`${what}: ok`);
      return value;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.note(`${what}: ${typeof code === 'string' ? `${code} — ` : ''}${(err as Error).message}`);
      return undefined;
    }
  }

  /** Ends the scene: its timers, hang-ups, inbound clients and waits stop (peers keep running). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const handle of this.#timers) this.#stage.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const peer of this.#peers.values()) peer.setHangUp(undefined);
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    for (const cancel of [...this.#waits]) cancel();
  }

  #live(): void {
    if (this.#ended) throw new SceneEnded('the lesson scene ended');
  }
}
