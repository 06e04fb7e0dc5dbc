/**
 * The console's client of the documented HTTP API (the same origin that served the page): bearer
 * token, JSON in and out, problems as `ApiError` with the API's code and message.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Session {
  token: string;
  role: 'admin' | 'driver';
  username: string;
  expiresAt: number;
}

const SESSION_KEY = 'telematics-console-session';

export function loadSession(now = Date.now()): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (raw === null) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > now ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session === null) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

type Query = Record<string, string | number | undefined>;

export class Api {
  /** Called when the API refuses the token (expired, revoked): the console asks to sign in again. */
  onUnauthorized: () => void = () => undefined;

  constructor(private token: string | null = null) {}

  setToken(token: string | null): void {
    this.token = token;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  private async request<T>(method: string, path: string, query: Query, body?: unknown): Promise<T> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const url = search.size > 0 ? `${path}?${search.toString()}` : path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    const payload: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const problem = (payload as { error?: { code?: string; message?: string } } | undefined)?.error;
      const error = new ApiError(response.status, problem?.code ?? `http_${response.status}`, problem?.message ?? response.statusText);
      if (response.status === 401 && this.token) this.onUnauthorized();
      throw error;
    }
    return payload as T;
  }
}
