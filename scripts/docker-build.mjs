// `npm run docker:build`: builds the DB-Forge images (dbforge/worker, dbforge/gateway) with the classic builder.
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
  { name: 'worker', pkg: '@dbforge/worker', dirs: ['data'] },
  { name: 'gateway', pkg: '@dbforge/gateway', dirs: ['data'] },
];

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

// The images hold the gateway and the worker; the console is not part of them.
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
  for (const dir of ['packages', 'services']) {
    hashTree(hash, path.join(ROOT, dir), (p) => p.includes('node_modules') || p.includes(`${path.sep}src${path.sep}`) || p.includes('.next') || p.endsWith('.tsbuildinfo') || p.includes(`${path.sep}test`));
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
  if ((await pnpm(['--filter', service.pkg, 'deploy', '--legacy', '--prod', path.join(context, 'app')], { stdio: ['ignore', 'ignore', 'inherit'] })) !== 0) {
    console.error(`preparing ${service.name} failed`);
    process.exit(1);
  }
  // Build intermediates of native modules are not needed at run time.
  for (const leftover of findLeftovers(path.join(context, 'app', 'node_modules'))) fs.rmSync(leftover, { recursive: true, force: true });
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
