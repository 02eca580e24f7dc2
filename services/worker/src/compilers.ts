import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Serializer = (data: unknown) => string;
type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: { schema: unknown }) => Serializer;
type ValidatorFactory = (externalSchemas: unknown, options: unknown) => unknown;

// Fastify's own compilers, resolved from Fastify (whose dependencies they are), so that they are exactly the ones it
// would otherwise make for itself.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const makeSerializerFactory = fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory;
const makeValidatorFactory = fromFastify('@fastify/ajv-compiler') as () => ValidatorFactory;

const serializerFactory = makeSerializerFactory();
const serializers = new Map<string, Serializer>();

/**
 * Response serializers by what they serialize: the same schema, even as a new object, is compiled once per process.
 * Generating them is most of what building the worker's app costs, so a pooled worker that built its app once (its
 * warm-up) builds its database's app in milliseconds.
 */
const cachedSerializerFactory: SerializerFactory = (externalSchemas, options) => {
  const compile = serializerFactory(externalSchemas, options);
  const context = JSON.stringify([externalSchemas, options ?? null]);
  return (route) => {
    const key = `${context}\u0000${JSON.stringify(route.schema)}`;
    let serializer = serializers.get(key);
    if (serializer === undefined) {
      serializer = compile(route);
      serializers.set(key, serializer);
    }
    return serializer;
  };
};

/**
 * The schema compilers of every app this process builds: Fastify's defaults, shared across apps (its validator
 * factory keeps its compilers by external schemas, and they keep what they compiled).
 */
export const sharedCompilers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: makeValidatorFactory() as never,
    buildSerializer: cachedSerializerFactory as never,
  },
};
