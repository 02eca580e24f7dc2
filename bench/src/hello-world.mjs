// The ceiling for one HTTP hop on this machine: a bare Fastify server answering a small JSON body.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/', async () => ({ data: [{ id: 1, name: 'item 1' }], rows_affected: 1 }));
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
