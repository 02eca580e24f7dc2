import { DbForgeError } from '@dbforge/contracts';

/** A read-only caller (a read-only key, a viewer) ran a statement the engine says would write. */
export function readOnlyRefusal(): DbForgeError {
  return new DbForgeError('FORBIDDEN', 'This caller may only read (a read-only key or a viewer): the statement would write.');
}
