// `npm start`: install what is missing, build, then run the gateway (port 8000, process runtime, data in db-data/)
// and the admin console (port 3000) until Ctrl+C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, installAndBuild, log } from './lib.mjs';

await installAndBuild();

if (fs.existsSync(path.join(ROOT, '.env'))) {
  process.loadEnvFile(path.join(ROOT, '.env'));
  log('loaded .env');
}

const gatewayPort = process.env.DBFORGE_PORT ?? '8000';
const env = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV ?? 'production',
  DBFORGE_RUNTIME: process.env.DBFORGE_RUNTIME ?? 'process',
  DBFORGE_PORT: gatewayPort,
  DBFORGE_DATA_DIR: process.env.DBFORGE_DATA_DIR ?? path.join(ROOT, 'db-data'),
  DBFORGE_SECRETS_DIR: process.env.DBFORGE_SECRETS_DIR ?? path.join(ROOT, 'secrets'),
};
const frontendPort = process.env.FRONTEND_PORT ?? '3000';

const children = [
  // The gateway's Node flags, as in its Dockerfile and `npm start` (docs/CONFIGURATION.md).
  spawn(process.execPath, ['--max-semi-space-size=32', path.join(ROOT, 'services/gateway/dist/server.js')], { cwd: ROOT, env, stdio: 'inherit' }),
  spawn(process.execPath, [path.join(ROOT, 'services/frontend/scripts/serve.mjs')], {
    cwd: path.join(ROOT, 'services/frontend'),
    env: {
      ...env,
      PORT: frontendPort,
      GATEWAY_URL: process.env.GATEWAY_URL ?? `http://127.0.0.1:${gatewayPort}`,
    },
    stdio: 'inherit',
  }),
];
log(`gateway: http://localhost:${gatewayPort} (API docs: /docs)   console: http://localhost:${frontendPort}`);

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 15_000);
  force.unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() =>
    process.exit(code),
  );
}
for (const child of children) {
  child.once('exit', (code) => {
    if (!stopping) log(`a service exited (code ${code}); stopping the other`);
    stop(code ?? 1);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
