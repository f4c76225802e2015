/**
 * Dev harness for the graph view: `npx vite` then open /graph-harness.html?n=50 (or n=2000,
 * theme=dark, still=1 to freeze the churn). Not part of the production build.
 */
import '../app.css';
import { mount } from 'svelte';
import GraphHarness from './GraphHarness.svelte';
import { drawStats, frameStats, type TimingStats } from '../lib/graph/render.ts';

const params = new URLSearchParams(location.search);
const theme = params.get('theme');
if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;

mount(GraphHarness, {
  target: document.getElementById('app')!,
  props: {
    total: Number(params.get('n') ?? 50),
    still: params.get('still') === '1',
    seed: Number(params.get('seed') ?? 7),
  },
});

declare global {
  interface Window {
    /** Draw/frame timings, for the perf script (dev harness only). */
    graphStats?: { draw: TimingStats; frame: TimingStats };
  }
}
window.graphStats = { draw: drawStats, frame: frameStats };
