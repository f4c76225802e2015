/**
 * Dev harness for the Timeline: `npx vite` then open /timeline-harness.html.
 * Query: ?mode=stress (3,000 lanes, ~100k transitions), ?theme=light|dark, ?select=<id>,
 * ?filter=<text>, ?live=0 (no new events), ?pause=1 (press Pause after load).
 * `window.__timeline.drawTimes()` returns the draw times (ms) recorded so far.
 */
import '../app.css';
import { mount } from 'svelte';
import Timeline from '../components/Timeline.svelte';
import { FakeModel, NORMAL, STRESS } from './timeline-fake-model.svelte.ts';
import { HarnessState } from './timeline-harness-state.svelte.ts';

const q = new URLSearchParams(location.search);
const stress = q.get('mode') === 'stress';
const theme = q.get('theme');
if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;

const built = performance.now();
const model = new FakeModel(stress ? STRESS : NORMAL);
const buildMs = performance.now() - built;
if (q.get('live') !== '0') model.start();

const hs = new HarnessState();
hs.filter = q.get('filter') ?? '';
const sel = q.get('select');
if (sel) hs.selectedId = Number(sel);

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="h-bar">
    <strong>Timeline harness</strong>
    <a href="?mode=normal">Normal (50 lanes)</a>
    <a href="?mode=stress">Stress (3,000 lanes)</a>
    <label>Filter <input id="h-filter" placeholder="addr, state, type, #id" /></label>
    <button id="h-theme" type="button">Toggle theme</button>
    <button id="h-live" type="button"></button>
    <span id="h-stats" aria-live="off"></span>
  </header>
  <div class="h-main"></div>`;
const style = document.createElement('style');
style.textContent = `
  #app { height: 100vh; display: flex; flex-direction: column; }
  .h-bar { display: flex; gap: 16px; align-items: center; padding: 8px 12px; flex-wrap: wrap; font-size: 13px; }
  .h-bar a { color: var(--accent); }
  .h-bar input { font: inherit; padding: 3px 6px; background: var(--panel); color: var(--text); border: 1px solid var(--border); border-radius: 4px; }
  .h-bar button { font: inherit; }
  #h-stats { color: var(--muted); font-variant-numeric: tabular-nums; margin-left: auto; }
  .h-main { flex: 1; min-height: 0; padding: 0 12px 12px; }`;
document.head.append(style);

const filter = document.getElementById('h-filter') as HTMLInputElement;
filter.value = hs.filter;
filter.addEventListener('input', () => (hs.filter = filter.value));
document.getElementById('h-theme')!.addEventListener('click', () => {
  const dark = getComputedStyle(document.documentElement).colorScheme === 'dark';
  document.documentElement.dataset.theme = dark ? 'light' : 'dark';
});
const liveBtn = document.getElementById('h-live') as HTMLButtonElement;
const renderLive = (): void => {
  liveBtn.textContent = model.running ? 'Stop event source' : 'Start event source';
};
liveBtn.addEventListener('click', () => {
  if (model.running) model.stop();
  else model.start();
  renderLive();
});
renderLive();

mount(Timeline, {
  target: app.querySelector('.h-main')!,
  props: {
    get model() {
      return model;
    },
    get selectedId() {
      return hs.selectedId;
    },
    get matches() {
      return hs.matches;
    },
    onselect: (id: number | null) => {
      hs.selectedId = id;
    },
  },
});

// Draw-time samples from the component's data-draw-ms attribute.
const drawTimes: number[] = [];
const root = document.querySelector<HTMLElement>('[data-testid="timeline"]')!;
new MutationObserver(() => {
  const v = Number(root.dataset.drawMs);
  if (Number.isFinite(v)) drawTimes.push(v);
}).observe(root, { attributes: true, attributeFilter: ['data-draw-ms'] });

const stats = document.getElementById('h-stats')!;
setInterval(() => {
  const recent = drawTimes.slice(-60).sort((a, b) => a - b);
  const p50 = recent[Math.floor(recent.length / 2)] ?? 0;
  stats.textContent = `${model.conns.size} conns · ${model.transitions.toLocaleString()} transitions · seq ${model.lastSeq} · built in ${buildMs.toFixed(0)} ms · draw p50 ${p50.toFixed(2)} ms · selected ${hs.selectedId ?? '—'}`;
}, 500);

if (q.get('pause') === '1') {
  setTimeout(() => document.querySelector<HTMLButtonElement>('button[aria-label="Pause timeline"]')?.click(), 300);
}

declare global {
  interface Window {
    __timeline: { drawTimes(): number[]; model: FakeModel; state: HarnessState };
  }
}
window.__timeline = { drawTimes: () => drawTimes.slice(), model, state: hs };
