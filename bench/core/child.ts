/**
 * One measured side in its own process (started by bench/core/runner.ts):
 * `node --expose-gc dist/bench/child.mjs '{"scenario":"churn","side":"raw",...}'` (bundled by runner.ts).
 * Prints `@@RESULT {json}` and exits.
 */
import type { Side } from './outbound.ts';

export type ChildParams =
  | { scenario: 'churn' | 'refused'; side: Side; c: number; warmup: number; seconds: number }
  | { scenario: 'held'; side: Side; n: number; conc: number }
  | { scenario: 'inbound'; side: Side; held: number; extra: number; shed: number; conc: number }
  | { scenario: 'bridge'; side: Side; clients: number; events: number };

/** Imports only what the scenario needs (the bridge's pulls in the fleet's modules): a child starts faster. */
async function run(p: ChildParams): Promise<object> {
  switch (p.scenario) {
    case 'churn':
      return (await import('./outbound.ts')).churn(p.side, p.c, p.warmup, p.seconds);
    case 'refused':
      return (await import('./outbound.ts')).refused(p.side, p.c, p.warmup, p.seconds);
    case 'held':
      return (await import('./outbound.ts')).held(p.side, p.n, p.conc);
    case 'inbound':
      return (await import('./inbound.ts')).inbound(p.side, p.held, p.extra, p.shed, p.conc);
    case 'bridge':
      return (await import('./bridge.ts')).bridge(p.side, p.clients, p.events);
  }
}

const params = JSON.parse(process.argv[2] ?? '{}') as ChildParams;
const result = await run(params);
console.log(`@@RESULT ${JSON.stringify(result)}`);
process.exit(0);
