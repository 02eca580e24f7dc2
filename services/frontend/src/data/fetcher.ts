/**
 * The console's only way to the gateway from the browser: calls go to the console's own proxy
 * (/api/gateway/...), which adds the session's key on the server. Nothing here knows a key or the gateway's address.
 */
export const GATEWAY_PROXY_PATH = '/api/gateway';

/** An error reply, from the gateway (passed through unchanged) or from the console's proxy. Switch on `code`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(init: { status: number; code: string; message: string; details?: unknown }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }

  /** The field problems of a VALIDATION_ERROR, as `{ field, message }`. */
  get fieldProblems(): { field: string; message: string }[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is { field: string; message: string } =>
        typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string',
    );
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

interface EnvelopeShape {
  error: { code: string; message: string; status?: number; details?: unknown };
}

function isEnvelope(body: unknown): body is EnvelopeShape {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** Turns a reply into the error it stands for. */
export function errorFromReply(status: number, body: unknown): ApiError {
  if (isEnvelope(body)) {
    return new ApiError({ status, code: body.error.code, message: body.error.message, details: body.error.details });
  }
  return new ApiError({ status, code: 'UNEXPECTED_REPLY', message: `The console answered HTTP ${status} without an error message.` });
}

export interface GatewayRequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with its own content type (a YAML resource config); instead of `body`. */
  text?: { content: string; contentType: string };
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export interface GatewayReply<T> {
  status: number;
  body: T;
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One gateway call; throws ApiError for an error status, answers the status and body otherwise. */
export async function gatewayRequest<T>(path: string, options: GatewayRequestOptions = {}): Promise<GatewayReply<T>> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) params.set(key, String(value));
  const search = params.size > 0 ? `?${params}` : '';
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method: options.method ?? 'GET', headers, credentials: 'same-origin', cache: 'no-store' };
  if (options.text !== undefined) {
    headers['content-type'] = options.text.contentType;
    init.body = options.text.content;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal !== undefined) init.signal = options.signal;
  let response: Response;
  try {
    response = await fetch(`${GATEWAY_PROXY_PATH}${path}${search}`, init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: 'The console could not be reached. Check your connection.' });
  }
  const body = await parseBody(response);
  if (response.status >= 400) throw errorFromReply(response.status, body);
  return { status: response.status, body: body as T };
}

/** One gateway call that answers only the body. */
export async function gatewayFetch<T>(path: string, options: GatewayRequestOptions = {}): Promise<T> {
  return (await gatewayRequest<T>(path, options)).body;
}

/** A path segment, encoded. Database names need no encoding; table names may. */
export const seg = (value: string): string => encodeURIComponent(value);
