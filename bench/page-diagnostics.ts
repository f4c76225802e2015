/**
 * Where the page bench's time went (bench/page.ts `--trace`, `--profile`): a Chromium trace's
 * main-thread self time by task kind with its long tasks, and a CPU profile's top functions.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function frameKey(f: ProfileNode['callFrame']): string {
  const file = f.url.split('/').pop() ?? '';
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
}

/** Top functions by total time (self and callees; a function on the stack twice counts once). */
export function topTotal(profile: { nodes: ProfileNode[] }, n: number): string[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const all = profile.nodes.reduce((t, x) => t + (x.hitCount ?? 0), 0);
  const total = new Map<string, number>();
  const childIds = new Set(profile.nodes.flatMap((x) => x.children ?? []));
  const walk = (id: number, onStack: Set<string>): void => {
    const node = byId.get(id)!;
    const key = frameKey(node.callFrame);
    const added = !onStack.has(key);
    if (added) onStack.add(key);
    for (const k of onStack) total.set(k, (total.get(k) ?? 0) + (node.hitCount ?? 0));
    for (const c of node.children ?? []) walk(c, onStack);
    if (added) onStack.delete(key);
  };
  for (const x of profile.nodes) if (!childIds.has(x.id)) walk(x.id, new Set());
  return [...total]
    .filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(program)') && !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / Math.max(1, all)).toFixed(1).padStart(5)} %  ${k}`);
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time: what the thread itself spent, not the wall time a loaded machine stretches. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/**
 * Self time by event name on the renderer's main thread (`CrRendererMain`) of a Chromium trace,
 * and the share of the traced time the thread was busy.
 */
export function traceSummary(json: string, n: number): string[] {
  const events = (JSON.parse(json) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return ['(no renderer main thread in the trace)'];
  const mine = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const self = new Map<string, number>();
  const stack: { end: number; name: string }[] = [];
  let busy = 0;
  let cpu = 0;
  /** Top-level tasks over 50 ms: wall ms and self time by kind inside them. */
  const longs: { dur: number; inside: Map<string, number> }[] = [];
  let current: { dur: number; inside: Map<string, number> } | null = null;
  for (const e of mine) {
    const t = e.tdur ?? e.dur!;
    while (stack.length > 0 && stack[stack.length - 1]!.end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      self.set(parent.name, (self.get(parent.name) ?? 0) - t);
      current?.inside.set(parent.name, (current.inside.get(parent.name) ?? 0) - e.dur!);
    } else {
      busy += e.dur!;
      cpu += t;
      current = e.dur! > 50_000 ? { dur: e.dur!, inside: new Map() } : null;
      if (current) longs.push(current);
    }
    self.set(e.name, (self.get(e.name) ?? 0) + t);
    current?.inside.set(e.name, (current.inside.get(e.name) ?? 0) + e.dur!);
    stack.push({ end: e.ts + e.dur!, name: e.name });
  }
  const longLines = longs
    .sort((a, b) => b.dur - a.dur)
    .slice(0, 6)
    .map(
      (l) =>
        `long task ${(l.dur / 1000).toFixed(0)} ms: ${[...l.inside]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`)
          .join(', ')}`,
    );
  const span = mine.length === 0 ? 1 : mine[mine.length - 1]!.ts - mine[0]!.ts;
  return [
    `main thread busy ${((100 * busy) / span).toFixed(0)} % of ${(span / 1e6).toFixed(1)} s (wall); its CPU time ${(cpu / 1000).toFixed(0)} ms; self CPU time by kind:`,
    ...[...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`),
    ...longLines,
  ];
}

/** Top functions by self time of a CDP CPU profile. */
export function topSelf(profile: { nodes: ProfileNode[]; startTime: number; endTime: number }, n: number): string[] {
  const total = profile.nodes.reduce((t, x) => t + (x.hitCount ?? 0), 0);
  const by = new Map<string, number>();
  for (const x of profile.nodes) {
    const key = frameKey(x.callFrame);
    by.set(key, (by.get(key) ?? 0) + (x.hitCount ?? 0));
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)} %  ${k}`);
}
