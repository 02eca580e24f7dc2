import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('start-up', () => {
  it.each([
    ['a session secret under 32 characters', { FRONTEND_SESSION_SECRET: 'short' }, 'FRONTEND_SESSION_SECRET: at least 32 characters'],
    ['a gateway address that is not http(s)', { GATEWAY_URL: 'ftp://gateway' }, 'GATEWAY_URL: must be an http:// or https:// URL'],
    ['a gateway address that is not a URL', { GATEWAY_URL: 'http://' }, 'GATEWAY_URL: not a URL'],
  ])('stops the console on %s, naming the variable', async (_what, env, message) => {
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { checkConfigurationOrExit } = await import('@/server/startup');
    checkConfigurationOrExit();
    expect(exit).toHaveBeenCalledWith(1);
    expect(error.mock.calls[0]?.[0]).toContain(message);
  });

  it('starts with a valid configuration', async () => {
    vi.stubEnv('GATEWAY_URL', 'http://gateway:8000/');
    vi.stubEnv('FRONTEND_SESSION_SECRET', 's'.repeat(32));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const { checkConfigurationOrExit } = await import('@/server/startup');
    checkConfigurationOrExit();
    expect(exit).not.toHaveBeenCalled();
    const { gatewayUrl } = await import('@/server/config');
    expect(gatewayUrl()).toBe('http://gateway:8000');
  });
});
