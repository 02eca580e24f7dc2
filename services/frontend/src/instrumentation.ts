/**
 * Runs once when the server starts, so bad configuration stops the console before the first request, and the
 * generated session secret exists before two requests could race to create it.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { checkConfigurationOrExit } = await import('./server/startup');
  checkConfigurationOrExit();
}
