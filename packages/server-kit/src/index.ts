export { validatorCompiler, addSharedSchema, problemsFromAjv } from './validation.js';
export { errorHandlerPlugin, logFailure, retryAfterOf, toDbForgeError, sendError, type ErrorHandlerOptions } from './error-handler.js';
export { jsonBodyPlugin, parseJsonBody } from './json-body.js';
export { loggerOptions, requestLogController, LOG_LEVELS, type LogLevel } from './logger.js';
export { readConfig, LogLevelSchema, type EnvSpec } from './config.js';
export { LoginThrottle, SignInThrottle, ACCOUNT_THROTTLE, ADDRESS_THROTTLE, type ThrottleOptions } from './login-throttle.js';
export {
  CHANNEL_PATH,
  CHANNEL_PROTOCOL,
  CHANNEL_SPILL_BYTES,
  CHANNEL_SPILL_PATH,
  encodeFrame,
  FrameError,
  FrameReader,
  FrameWriter,
  recordOperation,
  RECORD_OPERATION_METHODS,
  type ChannelReplyHeader,
  type RecordOperation,
  type ChannelRequestHeader,
  type Frame,
} from './channel.js';
