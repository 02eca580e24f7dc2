import crypto from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/catalog.js';
import { checkWebhookUrl, signBody } from '../src/hooks/webhook-client.js';
import { tempDir } from './helpers.js';

describe('webhooks in the catalogue', () => {
  it('keeps webhooks across a reopen, lists hook names for the worker header, and drops them with their database', () => {
    const file = path.join(tempDir(), 'catalog.sqlite');
    const catalog = Catalog.open(file);
    catalog.insert({ name: 'shop', tenantId: 'default', engine: 'sqlite', containerId: 'a', createdAt: '2026-01-01T00:00:00.000Z', settings: {} });
    expect(catalog.hookHeader('shop')).toBeUndefined();
    expect(catalog.putWebhook('shop', 'b_hook', 'https://x.example/b', 'secret-b-0123456789').created).toBe(true);
    catalog.putWebhook('shop', 'a_hook', 'https://x.example/a', 'secret-a-0123456789');
    const updated = catalog.putWebhook('shop', 'a_hook', 'https://x.example/a2', 'secret-a-0123456789');
    expect(updated.created).toBe(false);
    expect(updated.record.createdAt <= updated.record.updatedAt).toBe(true);
    expect(catalog.hookHeader('shop')).toBe('a_hook,b_hook');
    catalog.close();

    const reopened = Catalog.open(file);
    expect(reopened.listWebhooks('shop').map((w) => [w.hook, w.url])).toEqual([
      ['a_hook', 'https://x.example/a2'],
      ['b_hook', 'https://x.example/b'],
    ]);
    expect(reopened.databasesWithWebhooks()).toEqual(['shop']);
    expect(reopened.deleteWebhook('shop', 'b_hook')).toBe(true);
    expect(reopened.hookHeader('shop')).toBe('a_hook');
    // A database spawned again under the same name never inherits the webhooks of the pruned one.
    reopened.delete('shop');
    expect(reopened.hookHeader('shop')).toBeUndefined();
    reopened.insert({ name: 'shop', tenantId: 'default', engine: 'sqlite', containerId: 'b', createdAt: '2026-01-02T00:00:00.000Z', settings: {} });
    reopened.close();
    expect(Catalog.open(file).listWebhooks('shop')).toEqual([]);
  });

  it.each([
    ['https://hooks.example.com/x', undefined],
    ['http://127.0.0.1:9000/hook', undefined],
    ['ftp://example.com/', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['https://user:pw@example.com/', 'must not carry credentials (the signature authenticates the gateway)'],
    ['not a url', 'must be an absolute URL'],
  ])('checks the URL %s', (url, problem) => {
    expect(checkWebhookUrl(url)).toBe(problem);
  });

  it('signs the exact body with HMAC-SHA256', () => {
    const body = '{"a":1}';
    expect(signBody('k', body)).toBe(`sha256=${crypto.createHmac('sha256', 'k').update(body).digest('hex')}`);
  });
});
