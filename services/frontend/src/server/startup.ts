import 'server-only';
import { gatewayUrl } from './config';
import { sessionSecret } from './session-secret';

/**
 * Checks the configuration and loads (or generates) the session secret. A console that cannot seal sessions or
 * reach a well-formed gateway address must not serve pages: it exits with a message that names the variable.
 */
export function checkConfigurationOrExit(): void {
  try {
    gatewayUrl();
    sessionSecret();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
