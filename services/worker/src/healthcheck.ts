// The container's health check: the worker answers its own health endpoint (with its secret) on its port.
import fs from 'node:fs';
import http from 'node:http';
import { WORKER_HEALTH_PATH, WorkerHeaders } from '@dbforge/contracts';

const secret =
  process.env.DBFORGE_WORKER_SECRET ??
  (process.env.DBFORGE_WORKER_SECRET_FILE ? fs.readFileSync(process.env.DBFORGE_WORKER_SECRET_FILE, 'utf8').trim() : '');
const request = http.get(
  {
    host: '127.0.0.1',
    port: Number(process.env.DBFORGE_WORKER_PORT ?? 8080),
    path: WORKER_HEALTH_PATH,
    headers: { [WorkerHeaders.secret]: secret },
    timeout: 2500,
  },
  (response) => process.exit(response.statusCode === 200 ? 0 : 1),
);
request.on('error', () => process.exit(1));
request.on('timeout', () => request.destroy());
