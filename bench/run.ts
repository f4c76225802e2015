/**
 * `npm run bench`: every figure as a ratio against raw Node doing the same loop, measured
 * interleaved in the same run (bench/core/suite.ts), then the page (Chromium) and fleet
 * (nats-server) parts; writes bench/results.md. Not a test: nothing fails on a slow machine.
 *
 *   npm run bench                  the full run (3 rounds, 10k held; ~5 min on 2 cores)
 *   npm run bench -- --quick       2 rounds, small N, no page/fleet (≤ ~1 min; for development)
 *   npm run bench -- page [...]    only the page's part (bench/page.ts; its flags pass through)
 *   npm run bench -- fleet         only the fleet's part (bench/fleet.ts)
 *   npm run bench -- misc          the older printed figures (bench/misc.ts: lab, reducer, package)
 */
import { runSuite } from './core/suite.ts';
import { benchFleet } from './fleet.ts';
import { benchMisc } from './misc.ts';
import { benchPage, parsePageBenchArgs } from './page.ts';

const args = process.argv.slice(2);
if (args.includes('fleet')) await benchFleet();
else if (args.includes('page')) await benchPage(parsePageBenchArgs(args));
else if (args.includes('misc')) await benchMisc();
else await runSuite(args.includes('--quick') || process.env.BENCH_QUICK === '1');
process.exit(0);
