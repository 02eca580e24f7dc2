// Helpers for the root scripts. Plain Node, no dependencies: they run before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');

function packageManagerVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager ?? '');
  if (!match) throw new Error('package.json must name the pinned pnpm version in "packageManager"');
  return match[1];
}

export function log(message) {
  process.stdout.write(`\x1b[36m[db-forge]\x1b[0m ${message}\n`);
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`DB-Forge needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
    process.exit(1);
  }
}

/** The pinned pnpm, installed once into .tools/ from the npm registry (nothing global is touched). */
export function pnpmPath() {
  const version = packageManagerVersion();
  const bin = path.join(TOOLS, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const installed = path.join(TOOLS, 'node_modules', 'pnpm', 'package.json');
  if (!fs.existsSync(installed) || JSON.parse(fs.readFileSync(installed, 'utf8')).version !== version) {
    log(`installing pnpm ${version} into .tools/`);
    fs.mkdirSync(TOOLS, { recursive: true });
    const result = spawnSync('npm', ['install', '--prefix', TOOLS, '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${version}`], {
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (result.status !== 0) throw new Error('installing pnpm failed');
  }
  return bin;
}

/** Runs a command with inherited output; resolves with its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', (error) => {
      console.error(error.message);
      resolve(1);
    });
  });
}

export async function pnpm(args, options = {}) {
  return run(process.execPath, [pnpmPath(), ...args], options);
}

/**
 * Installs what is missing (fast when nothing is) and builds what changed: every TypeScript package, and the console
 * unless `console: false`. Exits on failure.
 */
export async function installAndBuild({ console: withConsole = true } = {}) {
  checkNode();
  log('installing dependencies (pnpm install)');
  const frozen = fs.existsSync(path.join(ROOT, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  if ((await pnpm(['install', ...frozen, '--prefer-offline'])) !== 0) {
    console.error('Installing dependencies failed (see above).');
    process.exit(1);
  }
  log('building');
  if ((await pnpm(['exec', 'tsc', '-b'])) !== 0 || (withConsole && (await pnpm(['-r', '--if-present', 'run', 'build:app'])) !== 0)) {
    console.error('The build failed (see above).');
    process.exit(1);
  }
}
