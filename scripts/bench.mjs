// `npm run bench [scenario ...]`: install and build what is missing, then run the benchmark harness (not part of
// npm test). Scenarios: query-path, writes, analytics, spawn-density, realtime (all by default).
import { installAndBuild, pnpm } from './lib.mjs';

await installAndBuild();
process.exit(await pnpm(['--filter', '@dbforge/bench', 'run', 'bench', ...process.argv.slice(2)]));
