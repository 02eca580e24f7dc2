// The container's health check: the gateway answers GET /health on its port.
import http from 'node:http';

const request = http.get(
  { host: '127.0.0.1', port: Number(process.env.DBFORGE_PORT ?? 8000), path: '/health', timeout: 2500 },
  (response) => process.exit(response.statusCode === 200 ? 0 : 1),
);
request.on('error', () => process.exit(1));
request.on('timeout', () => request.destroy());
