// `npm run bench`: install and build what is missing, then run the benchmark harness (not part of npm test).
import { installAndBuild, pnpm } from './lib.mjs';

await installAndBuild();
process.exit(await pnpm(['--filter', '@dbforge/bench', 'run', 'bench']));
