// Talking to the dashboard's API: JSON requests carrying the CSRF token, and
// the live-update stream (one EventSource per page, its topics by route).

export interface Session {
  username: string;
  roles: string[];
  permissions: { write: boolean };
  csrf: string;
  expires: number;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => undefined;

export function setSession(s: Session | undefined): void {
  csrf = s?.csrf ?? '';
}

export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/auth') onUnauthorized();
    const d = data as { detail?: string; outs?: string };
    throw new ApiError(res.status, d?.outs || d?.detail || `${res.status} ${res.statusText}`, data);
  }
  return data as T;
}

export type Topic = 'overview' | 'osds' | 'pools' | 'hosts' | 'pgs';

/** Opens the live stream for `topics`; `onData` gets each topic's payload as it changes. Returns the closer. */
export function openLive(topics: Topic[], onData: (topic: Topic, data: unknown) => void, onState: (connected: boolean) => void): () => void {
  const es = new EventSource(`/api/live?topics=${topics.join(',')}`);
  for (const t of topics) {
    es.addEventListener(t, (ev) => onData(t, JSON.parse((ev as MessageEvent<string>).data)));
  }
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  return () => es.close();
}
