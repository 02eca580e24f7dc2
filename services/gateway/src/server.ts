import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { createGateway } from './app.js';

function printGeneratedKey(key: string, file: string): void {
  const line = '='.repeat(78);
  process.stdout.write(
    `\n${line}\n  DB-Forge generated an admin API key. It is shown only now; only its argon2id hash\n` +
      `  is kept (${file}). Send it as the X-API-Key header:\n\n    ${key}\n\n` +
      `  Lost it? Stop the gateway, delete ${file}, and start again (or set DBFORGE_ADMIN_KEY).\n${line}\n\n`,
  );
}

async function main(): Promise<void> {
  // Databases, the catalogue, keys and sockets are this service's alone: nothing it creates is readable by other users.
  process.umask(0o077);
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const app = await createGateway(config, printGeneratedKey);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'gateway stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // One line a supervisor (or a test) can read to learn the port.
  process.stdout.write(`DB-Forge gateway listening on http://${config.host}:${port} (runtime: ${config.runtime}; docs: /docs)\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
