/**
 * What `npm run bench` measures: the scenarios (each run as raw, then project, in every round) and
 * the figures read from their results, with the targets. Ratios are project / raw.
 */
import type { Json } from './runner.ts';

export interface Sizes {
  rounds: number;
  /** Churn and refused loops: warm-up (JIT, pools) then measured seconds, in each child. */
  warmup: number;
  seconds: number;
  held: number;
  bigHeld: number;
  extra: number;
  bridgeEvents: number;
  bridgeEvents10: number;
}

export const FULL: Sizes = {
  rounds: 3,
  warmup: 1,
  seconds: 1.5,
  held: 10_000,
  bigHeld: 19_000,
  extra: 2_000,
  bridgeEvents: 50_000,
  bridgeEvents10: 20_000,
};
export const QUICK: Sizes = {
  rounds: 2,
  warmup: 0.5,
  seconds: 0.5,
  held: 1_000,
  bigHeld: 0,
  extra: 1_000,
  bridgeEvents: 20_000,
  bridgeEvents10: 5_000,
};

/** A scenario's parameters, without the side; `startup` runs in this process (bench/core/startup.ts). */
export function scenarios(s: Sizes): Record<string, Json> {
  return {
    churn1: { scenario: 'churn', c: 1, warmup: s.warmup, seconds: s.seconds },
    churn16: { scenario: 'churn', c: 16, warmup: s.warmup, seconds: s.seconds },
    refused1: { scenario: 'refused', c: 1, warmup: s.warmup, seconds: s.seconds },
    refused16: { scenario: 'refused', c: 16, warmup: s.warmup, seconds: s.seconds },
    held: { scenario: 'held', n: s.held, conc: 256 },
    inbound: { scenario: 'inbound', held: s.held, extra: s.extra, shed: s.extra, conc: 128 },
    bridge1: { scenario: 'bridge', clients: 1, events: s.bridgeEvents },
    bridge10: { scenario: 'bridge', clients: 10, events: s.bridgeEvents10 },
    startup: { scenario: 'startup' },
  };
}

export type Target =
  | { kind: 'ratio'; op: '>=' | '<='; value: number; note?: string }
  | { kind: 'abs'; op: '<'; value: number; unit: string }
  | { kind: 'report' };

export interface Figure {
  label: string;
  scenario: string;
  metric: string;
  format: (x: number) => string;
  target: Target;
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const per = (unit: string) => (x: number) => `${n0(x)} ${unit}`;
const us = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} µs` : '–');
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '–');
const kib = (x: number) => (Number.isFinite(x) ? `${(x / 1024).toFixed(2)} KiB` : '–');
const count = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '–');

const atLeast = (value: number, note?: string): Target => ({ kind: 'ratio', op: '>=', value, ...(note ? { note } : {}) });
const atMost = (value: number, note?: string): Target => ({ kind: 'ratio', op: '<=', value, ...(note ? { note } : {}) });
/** "CPU per op ≥ 0.8× raw" read as efficiency: raw/project ≥ 0.8, i.e. project/raw ≤ 1.25. */
const cpu = atMost(1.25, 'efficiency ≥ 0.8× raw');
const report: Target = { kind: 'report' };

export function figures(s: Sizes): Figure[] {
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  return [
    { label: 'outbound churn c=1 (connect, remove)', scenario: 'churn1', metric: 'opsPerSec', format: per('/s'), target: atLeast(0.8) },
    { label: 'outbound churn c=1: CPU per op', scenario: 'churn1', metric: 'cpuUsPerOp', format: us, target: cpu },
    { label: 'outbound churn c=16', scenario: 'churn16', metric: 'opsPerSec', format: per('/s'), target: atLeast(0.8) },
    { label: 'outbound churn c=16: CPU per op', scenario: 'churn16', metric: 'cpuUsPerOp', format: us, target: cpu },
    { label: 'refused dials c=1', scenario: 'refused1', metric: 'opsPerSec', format: per('/s'), target: atLeast(0.8) },
    { label: 'refused dials c=1: CPU per op', scenario: 'refused1', metric: 'cpuUsPerOp', format: us, target: cpu },
    { label: 'refused dials c=16', scenario: 'refused16', metric: 'opsPerSec', format: per('/s'), target: atLeast(0.8) },
    { label: 'refused dials c=16: CPU per op', scenario: 'refused16', metric: 'cpuUsPerOp', format: us, target: cpu },
    { label: `${k(s.held)} held: RSS per connection`, scenario: 'held', metric: 'rssPerConn', format: kib, target: atMost(1.5) },
    { label: `${k(s.held)} held: heap per connection`, scenario: 'held', metric: 'heapPerConn', format: kib, target: atMost(1.5) },
    { label: `opening ${k(s.held)}: rate (256 in flight)`, scenario: 'held', metric: 'openPerSec', format: per('/s'), target: report },
    { label: `opening ${k(s.held)}: loop-delay p99`, scenario: 'held', metric: 'loopP99Ms', format: ms, target: atMost(1.5) },
    {
      label: `inbound admitted (${k(s.held)} held, warm)`,
      scenario: 'inbound',
      metric: 'admitPerSec',
      format: per('/s'),
      target: atLeast(0.8),
    },
    { label: 'inbound admitted: CPU per connection', scenario: 'inbound', metric: 'admitCpuUs', format: us, target: cpu },
    { label: 'inbound shed (warm)', scenario: 'inbound', metric: 'shedPerSec', format: per('/s'), target: report },
    { label: 'inbound shed: CPU per connection', scenario: 'inbound', metric: 'shedCpuUs', format: us, target: report },
    { label: 'bridge → 1 WebSocket client', scenario: 'bridge1', metric: 'eventsPerSec', format: per('ev/s'), target: atLeast(0.7) },
    {
      label: 'bridge → 10 clients: per client (slowest)',
      scenario: 'bridge10',
      metric: 'perClientMin',
      format: per('ev/s'),
      target: atLeast(1, 'no worse than raw'),
    },
    { label: 'bridge → 10 clients: resyncs', scenario: 'bridge10', metric: 'resyncs', format: count, target: report },
    {
      label: 'start-up to /healthz (compiled CLI vs plain http)',
      scenario: 'startup',
      metric: 'ms',
      format: ms,
      target: { kind: 'abs', op: '<', value: 500, unit: 'ms' },
    },
  ];
}

/** The one-off big held measurement (fd limit permitting), for docs/scaling.md's extrapolation. */
export function bigFigures(s: Sizes): Figure[] {
  const k = `${s.bigHeld / 1000}k`;
  return [
    { label: `${k} held: RSS per connection (1 round)`, scenario: 'bigHeld', metric: 'rssPerConn', format: kib, target: report },
    { label: `${k} held: heap per connection (1 round)`, scenario: 'bigHeld', metric: 'heapPerConn', format: kib, target: report },
  ];
}
