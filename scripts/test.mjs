// `npm test`: install what is missing, build, lint, then run every package's tests and the end-to-end suite.
import { installAndBuild, log, pnpm } from './lib.mjs';

await installAndBuild();

log('linting');
if ((await pnpm(['exec', 'eslint', '.'])) !== 0) {
  console.error('Lint failed (see above).');
  process.exit(1);
}

log('testing');
// One package at a time: the end-to-end suites start real gateways and workers, and CI machines have two cores.
const code = await pnpm(['-r', '--workspace-concurrency=1', '--if-present', 'run', 'test']);
process.exit(code);
