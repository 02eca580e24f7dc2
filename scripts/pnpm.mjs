// Runs the project's pinned pnpm: `node scripts/pnpm.mjs <args>`.
import { pnpm } from './lib.mjs';

process.exit(await pnpm(process.argv.slice(2)));
