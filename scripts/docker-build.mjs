// `npm run docker:build`: builds the DB-Forge images (dbforge/worker, dbforge/gateway, dbforge/frontend) with the
// classic builder.
// Dependencies, native modules included, are installed and built on this machine and copied into the images; the
// Node base image is pulled, or made from this machine's Node when no registry answers. The same Dockerfiles serve
// both cases. `--if-stale` skips an image whose inputs have not changed since it was built.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, installAndBuild, log, pnpm } from './lib.mjs';

const NODE_IMAGE = process.env.DBFORGE_NODE_IMAGE ?? 'node:20-bookworm-slim';
const TAG = process.env.DBFORGE_IMAGE_TAG ?? 'latest';
const ifStale = process.argv.includes('--if-stale');
const SERVICES = [
  { name: 'worker', pkg: '@dbforge/worker', dirs: ['data'], prepare: deployPackage, inputs: ['packages', 'services/worker'] },
  {
    name: 'gateway',
    pkg: '@dbforge/gateway',
    dirs: ['data'],
    prepare: deployPackage,
    inputs: ['packages', 'services/gateway', 'services/worker'],
  },
  { name: 'frontend', pkg: '@dbforge/frontend', dirs: ['data'], prepare: standaloneConsole, inputs: ['packages', 'services/frontend'] },
];

/** A service's production dependencies, native modules already compiled here, with `pnpm deploy`. */
async function deployPackage(service, app) {
  const code = await pnpm(['--filter', service.pkg, 'deploy', '--legacy', '--prod', app], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (code !== 0) return false;
  // Build intermediates of native modules are not needed at run time.
  for (const leftover of findLeftovers(path.join(app, 'node_modules'))) fs.rmSync(leftover, { recursive: true, force: true });
  return true;
}

/** The console: Next.js's standalone output (server.js and exactly the files it needs), its static assets beside it. */
async function standaloneConsole(_service, app) {
  const frontend = path.join(ROOT, 'services', 'frontend');
  const built = spawnSync(process.execPath, [path.join(frontend, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: frontend,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_OUTPUT: 'standalone', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (built.status !== 0) return false;
  const out = path.join(frontend, '.next-standalone');
  fs.cpSync(path.join(out, 'standalone'), app, { recursive: true, verbatimSymlinks: true });
  fs.cpSync(path.join(out, 'static'), path.join(app, 'services', 'frontend', '.next-standalone', 'static'), { recursive: true });
  if (fs.existsSync(path.join(frontend, 'public'))) {
    fs.cpSync(path.join(frontend, 'public'), path.join(app, 'services', 'frontend', 'public'), { recursive: true });
  }
  return true;
}

function docker(args, options = {}) {
  const result = spawnSync('docker', args, { stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (result.error) throw new Error(`docker is not installed or not on PATH: ${result.error.message}`);
  return result;
}

function hashTree(hash, dir, skip) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (skip(full)) continue;
    if (entry.isDirectory()) hashTree(hash, full, skip);
    else if (entry.isFile()) hash.update(path.relative(ROOT, full)).update(fs.readFileSync(full));
  }
}

function findNativeModules(dir, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findNativeModules(full, found);
    else if (entry.isFile() && entry.name.endsWith('.node') && !full.includes('obj.target')) found.push(full);
  }
  return found;
}

if (docker(['info'], { capture: true }).status !== 0) {
  console.error('No Docker engine answers. Start one (on Debian: infra/docker/provision-docker.sh) and try again.');
  process.exit(1);
}

// The console is built for its image below (Next.js's standalone output), not for npm start.
await installAndBuild({ console: false });

const deployRoot = path.join(ROOT, '.docker', 'deploy');
const natives = [];
const plans = [];
for (const service of SERVICES) {
  const context = path.join(deployRoot, service.name);
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(path.join(ROOT, 'pnpm-lock.yaml')));
  hash.update(fs.readFileSync(path.join(ROOT, 'services', service.name, 'Dockerfile')));
  hash.update(NODE_IMAGE);
  for (const dir of service.inputs) {
    // The compiled output of TypeScript packages (their sources would only repeat it), the console's sources (it is
    // built here, from them).
    hashTree(hash, path.join(ROOT, dir), (p) => {
      if (p.includes('node_modules') || p.includes('.next') || p.endsWith('.tsbuildinfo') || p.includes(`${path.sep}test`)) return true;
      return service.name !== 'frontend' && p.includes(`${path.sep}src${path.sep}`);
    });
  }
  const sourceHash = hash.digest('hex').slice(0, 16);
  const image = `dbforge/${service.name}:${TAG}`;
  const current = docker(['image', 'inspect', image, '--format', '{{ index .Config.Labels "dev.dbforge.source-hash" }}'], { capture: true });
  if (ifStale && current.status === 0 && current.stdout.trim() === sourceHash) {
    log(`${image} is up to date`);
    continue;
  }
  log(`preparing ${service.name}: production dependencies (native modules built here)`);
  fs.rmSync(context, { recursive: true, force: true });
  if (!(await service.prepare(service, path.join(context, 'app')))) {
    console.error(`preparing ${service.name} failed`);
    process.exit(1);
  }
  for (const dir of service.dirs) {
    fs.mkdirSync(path.join(context, dir), { recursive: true });
    fs.writeFileSync(path.join(context, dir, '.keep'), '');
  }
  natives.push(...findNativeModules(path.join(context, 'app', 'node_modules')));
  plans.push({ service, context, image, sourceHash });
}

if (plans.length > 0) {
  const base = spawnSync(path.join(ROOT, 'infra/docker/make-base-image.sh'), [NODE_IMAGE, ...natives], { stdio: 'inherit' });
  if (base.status !== 0) process.exit(1);
}

for (const { service, context, image, sourceHash } of plans) {
  log(`building ${image}`);
  const built = docker([
    'build',
    '--quiet',
    '--build-arg', `NODE_IMAGE=${NODE_IMAGE}`,
    '--label', `dev.dbforge.source-hash=${sourceHash}`,
    '--tag', image,
    '--file', path.join(ROOT, 'services', service.name, 'Dockerfile'),
    context,
  ]);
  if (built.status !== 0) {
    console.error(`building ${image} failed`);
    process.exit(1);
  }
}
log('images ready');

function findLeftovers(nodeModules) {
  const out = [];
  const pnpmDir = path.join(nodeModules, '.pnpm');
  if (!fs.existsSync(pnpmDir)) return out;
  for (const entry of fs.readdirSync(pnpmDir)) {
    if (!entry.startsWith('better-sqlite3@')) continue;
    const pkg = path.join(pnpmDir, entry, 'node_modules', 'better-sqlite3');
    for (const sub of ['deps', 'src', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/obj', 'build/deps']) out.push(path.join(pkg, sub));
  }
  return out;
}
