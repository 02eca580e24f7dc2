/** Who is signed in, as the console may show it: an email, or just that an API key is in use (never the key). */
export type SignedInAs = { kind: 'user'; email: string } | { kind: 'key' };
