import { describe, expect, it } from 'vitest';
import { DatabaseUsers } from '../src/index.js';
import { failure, open } from './helpers.js';

const PASSWORD = 'correct horse battery';


describe.each(['sqlite', 'duckdb'] as const)("a database's own users (%s)", (engine) => {
  it('signs up and in, knows the token, and forgets it at logout', async () => {
    const users = new DatabaseUsers(await open(engine));
    const ada = await users.signup(' Ada@Example.com ', PASSWORD);
    expect(ada).toMatchObject({ email: 'ada@example.com', roles: ['user'] });
    expect((await failure(users.signup('ada@example.com', PASSWORD))).code).toBe('CONFLICT');
    expect(await users.login('ada@example.com', 'wrong password')).toBeUndefined();
    expect(await users.login('nobody@example.com', PASSWORD)).toBeUndefined();
    const signedIn = (await users.login('ADA@example.com', PASSWORD))!;
    expect(signedIn.session.token).toMatch(/^dbu_[A-Za-z0-9_-]{43}$/);
    expect((await users.authenticate(signedIn.session.token))?.id).toBe(ada.id);
    expect(await users.authenticate(`${signedIn.session.token}x`)).toBeUndefined();
    await users.logout(signedIn.session.token);
    expect(await users.authenticate(signedIn.session.token)).toBeUndefined();
  });

  it('refuses weak passwords and addresses that are not email addresses, naming each', async () => {
    const users = new DatabaseUsers(await open(engine));
    const error = await failure(users.signup('not an email', 'short'));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(error.details)).toMatch(/body\.email.*body\.password/);
  });

  it('ends sessions when they expire', async () => {
    const users = new DatabaseUsers(await open(engine), 300);
    await users.signup('sam@example.com', PASSWORD);
    const { session } = (await users.login('sam@example.com', PASSWORD))!;
    expect(await users.authenticate(session.token)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await users.authenticate(session.token)).toBeUndefined();
  });

  it('changes a password: the old one stops working, other sessions end, this one stays', async () => {
    const users = new DatabaseUsers(await open(engine));
    const user = await users.signup('kim@example.com', PASSWORD);
    const here = (await users.login('kim@example.com', PASSWORD))!.session.token;
    const there = (await users.login('kim@example.com', PASSWORD))!.session.token;
    expect((await failure(users.changePassword(user.id, 'not the password', 'a new passphrase!', here))).code).toBe('UNAUTHORIZED');
    await users.changePassword(user.id, PASSWORD, 'a new passphrase!', here);
    expect(await users.authenticate(here)).toBeDefined();
    expect(await users.authenticate(there)).toBeUndefined();
    expect(await users.login('kim@example.com', PASSWORD)).toBeUndefined();
    expect(await users.login('kim@example.com', 'a new passphrase!')).toBeDefined();
  });

  it('sets roles and removes users, with effect on the tokens already issued', async () => {
    const users = new DatabaseUsers(await open(engine));
    const user = await users.signup('lee@example.com', PASSWORD);
    const token = (await users.login('lee@example.com', PASSWORD))!.session.token;
    expect((await users.authenticate(token))?.roles).toEqual(['user']);
    await users.setRoles(user.id, ['user', 'admin']);
    expect((await users.authenticate(token))?.roles).toEqual(['user', 'admin']);
    await users.remove(user.id);
    expect(await users.authenticate(token)).toBeUndefined();
    expect(await users.list()).toEqual([]);
    expect((await failure(users.remove(user.id))).code).toBe('NOT_FOUND');
  });
});
