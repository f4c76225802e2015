/**
 * The page benchmark's hook (`bench/page.ts`, README "Benchmarks"): which events the page has
 * put on screen. Each view that draws events says, after it drew, the model's `lastSeq` it drew
 * from (`markPainted`); the page has painted an event once every view has. Recording is one
 * number per view per frame, always on; the hook is published on `window.__paintProbe` only with
 * `?probe` in the URL, so a normal visit exposes nothing.
 */

/** The views that show events as they arrive (the timeline draws from the same model frame as the graph). */
export type PaintedView = 'graph' | 'log';

const painted: Record<PaintedView, number> = { graph: 0, log: 0 };

/** A view drew (or rendered) the model as of event `seq`. */
export function markPainted(view: PaintedView, seq: number): void {
  painted[view] = seq;
}

/** What the bench reads: `paintedSeq` in the task after a frame, `eventTimes` for the newly painted ones. */
export interface PaintProbe {
  /** A snapshot has arrived. */
  ready(): boolean;
  /** The newest seq every view has drawn. */
  paintedSeq(): number;
  /** The newest seq applied to the model (drawn or not). */
  appliedSeq(): number;
  /** Server times (`at`) of the events with `after < seq <= upTo` still known to the page. */
  eventTimes(after: number, upTo: number): number[];
  /** Times the page jumped to a fresh snapshot because it fell behind, and events it skipped. */
  jumps(): { count: number; skipped: number };
}

export interface ProbeSource {
  readonly runId: string | null;
  readonly lastSeq: number;
  /** Log rows oldest first, each with its event's seq and time. */
  readonly log: { readonly size: number; at(i: number): { ev: { seq: number; at: number } } | undefined };
  readonly lagJumps: { count: number; skipped: number };
}

/** Server times of the log rows with `after < seq <= upTo`, oldest first (walks back from the newest row). */
export function eventTimesFromLog(log: ProbeSource['log'], after: number, upTo: number): number[] {
  const out: number[] = [];
  for (let i = log.size - 1; i >= 0; i -= 1) {
    const ev = log.at(i)!.ev;
    if (ev.seq <= after) break;
    if (ev.seq <= upTo) out.push(ev.at);
  }
  return out.reverse();
}

/** Publishes the probe on `window.__paintProbe` when the page's URL asks for it (`?probe`). */
export function installPaintProbe(source: ProbeSource, search: string): void {
  if (!new URLSearchParams(search).has('probe')) return;
  const probe: PaintProbe = {
    ready: () => source.runId !== null,
    paintedSeq: () => Math.min(painted.graph, painted.log),
    appliedSeq: () => source.lastSeq,
    eventTimes: (after, upTo) => eventTimesFromLog(source.log, after, upTo),
    jumps: () => ({ ...source.lagJumps }),
  };
  (globalThis as { __paintProbe?: PaintProbe }).__paintProbe = probe;
}
