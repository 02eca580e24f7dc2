import fs from 'node:fs';
import path from 'node:path';
import { sealData, unsealData } from 'iron-session';
import type { BrowserContext } from 'playwright-core';
import type { SessionData } from '@/server/credentials';

export const SESSION_COOKIE = 'dbforge_console';

/**
 * The console's sealed session, opened with the secret the console generated into its secrets directory: the test
 * plays the part of someone who holds the server's secret, to see which tokens the browser carries without being
 * able to read them, and to hand the console a token it must refresh.
 */
export class SessionCookies {
  constructor(
    private readonly consoleUrl: string,
    private readonly secretsDir: string,
  ) {}

  private secret(): string {
    return fs.readFileSync(path.join(this.secretsDir, 'console-session.key'), 'utf8').trim();
  }

  async raw(context: BrowserContext) {
    return (await context.cookies(this.consoleUrl)).find((c) => c.name === SESSION_COOKIE);
  }

  /** The session data in the browser's cookie, or undefined without one. */
  async read(context: BrowserContext): Promise<SessionData | undefined> {
    const cookie = await this.raw(context);
    if (!cookie) return undefined;
    return unsealData<SessionData>(cookie.value, { password: this.secret() });
  }

  /** Replaces the browser's cookie with one holding `data`, sealed as the console seals it. */
  async write(context: BrowserContext, data: SessionData): Promise<void> {
    const value = await sealData(data, { password: this.secret(), ttl: 12 * 60 * 60 });
    await context.addCookies([{ name: SESSION_COOKIE, value, url: this.consoleUrl, httpOnly: true, sameSite: 'Strict' }]);
  }
}
