// The console's home until the console itself lands: it says what runs, and checks the gateway from the server side
// (the browser never talks to the gateway, and no key reaches it).
export const dynamic = 'force-dynamic';

async function gatewayStatus(): Promise<{ ok: boolean; text: string }> {
  const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000';
  try {
    const response = await fetch(`${url}/ready`, { cache: 'no-store', signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { status?: string; detail?: string };
    return response.ok ? { ok: true, text: `ready (${body.status ?? 'ok'})` } : { ok: false, text: body.detail ?? `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, text: `unreachable: ${(error as Error).message}` };
  }
}

export default async function Home() {
  const status = await gatewayStatus();
  return (
    <main style={{ maxWidth: 720, margin: '10vh auto', padding: '0 24px', lineHeight: 1.6 }}>
      <h1 style={{ fontSize: 32, marginBottom: 8 }}>DB-Forge</h1>
      <p style={{ opacity: 0.8 }}>
        The admin console is on its way. Until then, everything is available through the gateway&apos;s API.
      </p>
      <p>
        Gateway: <strong style={{ color: status.ok ? '#5bd68a' : '#ff7b7b' }}>{status.text}</strong>
      </p>
      <p>
        API documentation: <code>/docs</code> on the gateway (port 8000 by default).
      </p>
    </main>
  );
}
