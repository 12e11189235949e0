import { vi } from 'vitest';

export interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Responder = (call: Call) => Response | Promise<Response>;

export const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

export const apiError = (status: number, code: string, message: string) => json(status, { error: { code, message } });

/** Replaces `fetch` with routes `"METHOD /path"` (query ignored); records every call. */
export function mockFetch(routes: Record<string, Responder>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    // A JSON body is recorded parsed; a text one (a file to import) as it is.
    const isText = new Headers(init?.headers).get('Content-Type')?.startsWith('text/') ?? false;
    const body = typeof init?.body === 'string' ? (isText ? init.body : JSON.parse(init.body)) : undefined;
    const call = { method, url, body };
    calls.push(call);
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    const route = routes[`${method} ${path}`];
    if (!route) return apiError(404, 'route_not_found', `no mock for ${method} ${path}`);
    return route(call);
  });
  vi.stubGlobal('fetch', fetch);
  return { fetch, calls };
}
