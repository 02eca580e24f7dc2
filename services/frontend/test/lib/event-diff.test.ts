import { describe, expect, it } from 'vitest';
import { changedFields, diffRecords, diffValue } from '@/lib/event-diff';

describe('an event’s diff', () => {
  it('marks the fields an update changed, in the record’s order, and knows a missing field from a null one', () => {
    const diff = diffRecords(
      { id: 7, name: 'Ada', status: 'lead', tags: { b: 1, a: 2 }, gone: 'x', note: null },
      { id: 7, name: 'Ada', status: 'active', tags: { a: 2, b: 1 }, note: null, tier: 2 },
    );
    expect(diff.map((d) => [d.field, d.change])).toEqual([
      ['id', 'unchanged'],
      ['name', 'unchanged'],
      ['status', 'changed'],
      ['tags', 'unchanged'],
      ['note', 'unchanged'],
      ['tier', 'added'],
      ['gone', 'removed'],
    ]);
    expect(changedFields(diff)).toEqual(['status', 'tier', 'gone']);
    expect(diff.find((d) => d.field === 'gone')).toMatchObject({ hasBefore: true, hasAfter: false, before: 'x' });
  });

  it('has every field added for a create and removed for a delete', () => {
    expect(diffRecords(null, { id: 1, name: 'Ada' }).map((d) => d.change)).toEqual(['added', 'added']);
    expect(diffRecords({ id: 1, name: 'Ada' }, null).map((d) => d.change)).toEqual(['removed', 'removed']);
    expect(diffRecords(null, null)).toEqual([]);
  });

  it('tells null from an empty string and shows objects as JSON', () => {
    expect(diffRecords({ a: null }, { a: '' })[0]!.change).toBe('changed');
    expect([diffValue(null), diffValue(''), diffValue({ a: 1 }), diffValue(3), diffValue('[masked]')]).toEqual(['null', '', '{"a":1}', '3', '[masked]']);
  });
});
