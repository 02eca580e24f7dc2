import { dockerAvailable } from './docker.js';

/**
 * The runtimes the conformance suite runs against. `process` always; `docker` when an engine answers. In CI the Docker
 * engine is required: its absence fails the run instead of silently skipping half the suite. DBFORGE_TEST_RUNTIMES
 * (comma-separated) chooses explicitly.
 */
export function testRuntimes(): string[] {
  const explicit = process.env.DBFORGE_TEST_RUNTIMES;
  if (explicit) return explicit.split(',').map((r) => r.trim()).filter(Boolean);
  if (dockerAvailable()) return ['process', 'docker'];
  if (process.env.CI === 'true') {
    throw new Error(
      'CI=true but no Docker engine answers: the docker runtime tests must run in CI. Provision one with infra/docker/provision-docker.sh.',
    );
  }
  console.warn('[db-forge tests] no Docker engine answers: the docker runtime is skipped (it runs in CI).');
  return ['process'];
}
