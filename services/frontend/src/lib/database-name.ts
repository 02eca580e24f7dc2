/**
 * The gateway's rule for database names (DATABASE_NAME_PATTERN in @dbforge/contracts), checked as the user types
 * with a message for each way a name can fail. It is repeated here rather than imported so the browser bundle does
 * not carry the contracts' schemas; a test holds the two to the same answers.
 */
export const DATABASE_NAME_MAX_LENGTH = 63;

export function databaseNameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > DATABASE_NAME_MAX_LENGTH) return `Use at most ${DATABASE_NAME_MAX_LENGTH} characters.`;
  if (!/^[A-Za-z0-9]/.test(name)) return 'Start with a letter or a digit.';
  const bad = /[^A-Za-z0-9_.-]/.exec(name);
  if (bad) {
    const shown = bad[0] === ' ' ? 'spaces' : `“${bad[0]}”`;
    return `Use only letters, digits, “_”, “.” and “-” (no ${shown}).`;
  }
  if (name.includes('..')) return 'Do not use “..” in a name.';
  return null;
}

export function isValidDatabaseName(name: string): boolean {
  return databaseNameProblem(name) === null;
}
