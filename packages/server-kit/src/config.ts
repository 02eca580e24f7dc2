import { Type, type Static, type TObject, type TUnsafe } from '@sinclair/typebox';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { Value } from '@sinclair/typebox/value';

export type EnvSpec = TObject;

/**
 * Reads configuration from the environment against a schema whose keys are the variable names. Empty variables count
 * as unset. Fails fast with one line per bad variable, naming it, saying what it must be and what it was.
 */
export function readConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const value = Value.Convert(schema, Value.Default(schema, raw));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const key = error.path.replace(/^\//, '').split('/')[0] ?? '';
    if (problems.has(key)) continue;
    const property = schema.properties[key] as { description?: string } | undefined;
    const expected = property?.description ? ` (${property.description})` : '';
    // A secret's value never reaches the error (start-up errors end up in logs).
    const got = /SECRET|KEY|PASSWORD|TOKEN/.test(key) ? 'a value that is not shown' : JSON.stringify(raw[key]);
    problems.set(key, `${key}: ${error.message.toLowerCase()}${expected}; got ${got}`);
  }
  if (problems.size > 0) {
    throw new Error(`Invalid configuration:\n  ${[...problems.values()].join('\n  ')}`);
  }
  return value as Static<T>;
}

/** A pino log level, read from the environment. */
export function LogLevelSchema(defaultLevel: LogLevel = 'info'): TUnsafe<LogLevel> {
  return Type.Unsafe<LogLevel>(
    Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: defaultLevel, description: LOG_LEVELS.join(', ') }),
  );
}
