import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testRuntimes } from './runtimes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Before the suite: when the docker runtime is under test, its images are built (or found up to date). */
export default function setup(): void {
  if (!testRuntimes().includes('docker')) return;
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/docker-build.mjs'), '--if-stale'], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) throw new Error('building the Docker images failed (see above)');
}
