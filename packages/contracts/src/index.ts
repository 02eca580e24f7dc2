export * from './errors.js';
export * from './names.js';
export * from './engines.js';
export * from './protocol.js';
export * from './schemas.js';
export * from './resources.js';
export * from './tenancy.js';
export * from './events.js';
