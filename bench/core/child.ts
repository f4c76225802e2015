/**
 * One measured side in its own process (started by bench/core/runner.ts):
 * `node --expose-gc --import tsx bench/core/child.ts '{"scenario":"churn","side":"raw",...}'`.
 * Prints `@@RESULT {json}` and exits.
 */
import { bridge } from './bridge.ts';
import { inbound } from './inbound.ts';
import { churn, held, refused, type Side } from './outbound.ts';

export type ChildParams =
  | { scenario: 'churn' | 'refused'; side: Side; c: number; seconds: number }
  | { scenario: 'held'; side: Side; n: number; conc: number }
  | { scenario: 'inbound'; side: Side; held: number; extra: number; shed: number; conc: number }
  | { scenario: 'bridge'; side: Side; clients: number; events: number };

async function run(p: ChildParams): Promise<object> {
  switch (p.scenario) {
    case 'churn':
      return churn(p.side, p.c, p.seconds);
    case 'refused':
      return refused(p.side, p.c, p.seconds);
    case 'held':
      return held(p.side, p.n, p.conc);
    case 'inbound':
      return inbound(p.side, p.held, p.extra, p.shed, p.conc);
    case 'bridge':
      return bridge(p.side, p.clients, p.events);
  }
}

const params = JSON.parse(process.argv[2] ?? '{}') as ChildParams;
const result = await run(params);
console.log(`@@RESULT ${JSON.stringify(result)}`);
process.exit(0);
