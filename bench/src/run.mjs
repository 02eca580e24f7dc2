// `npm run bench [scenario ...]`: runs the named scenarios (all but the measuring tools by default), each measured against
// its own baseline.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIOS = {
  'query-path': 'query-path.mjs',
  writes: 'writes.mjs',
  analytics: 'analytics.mjs',
  'spawn-density': 'spawn-density.mjs',
  realtime: 'realtime.mjs',
  // A measuring tool without targets (per-request CPU of each process on the query path): only when named.
  'query-cost': 'query-cost.mjs',
};
const ON_REQUEST = new Set(['query-cost']);
const here = path.dirname(fileURLToPath(import.meta.url));
const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in SCENARIOS)) {
    console.error(`unknown scenario '${name}'; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
}
// Every scenario runs even when an earlier one misses a target; the exit code says whether all of them met theirs.
const missed = [];
for (const name of chosen.length > 0 ? chosen : Object.keys(SCENARIOS).filter((scenario) => !ON_REQUEST.has(scenario))) {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(process.execPath, [path.join(here, SCENARIOS[name])], { stdio: 'inherit' });
  if (result.status !== 0) missed.push(name);
}
if (missed.length > 0) {
  process.stdout.write(`\nscenarios that missed a target or failed: ${missed.join(', ')}\n`);
  process.exit(1);
}
