import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test/fetchMock';
import { ApiError, api, onUnauthenticated, queryString, request, requestText, streamTaskEvents, type TaskEvent } from './client';

afterEach(() => {
  onUnauthenticated(undefined);
  vi.unstubAllGlobals();
});

describe('request', () => {
  it('sends JSON and returns the answer', async () => {
    const { calls } = mockFetch({ 'POST /api/tasks': () => json(202, { task_id: 't1', trace_id: 'x', status: 'queued', created: true }) });
    const accepted = await api.tasks.create({ kind: 'echo', input: { message: 'hi' } });
    expect(accepted.task_id).toBe('t1');
    expect(calls).toEqual([{ method: 'POST', url: '/api/tasks', body: { kind: 'echo', input: { message: 'hi' } } }]);
  });

  it('builds query strings without empty values', async () => {
    expect(queryString({ status: 'done', kind: undefined, cursor: '', limit: 20 })).toBe('?status=done&limit=20');
    expect(queryString({})).toBe('');
    const { calls } = mockFetch({ 'GET /api/tasks': () => json(200, { tasks: [] }) });
    await api.tasks.list({ status: 'failed', kind: undefined, limit: 5 });
    expect(calls[0]!.url).toBe('/api/tasks?status=failed&limit=5');
  });

  it('returns undefined for 204', async () => {
    mockFetch({ 'DELETE /api/api-keys/k%2F1': () => new Response(null, { status: 204 }) });
    await expect(api.apiKeys.revoke('k/1')).resolves.toBeUndefined();
  });

  it("turns the API's error body into a typed error", async () => {
    mockFetch({ 'POST /api/auth/login': () => apiError(401, 'invalid_credentials', 'email or password is wrong') });
    const error = await api.auth.login({ email: 'a@b.c', password: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials', message: 'email or password is wrong' });
  });

  it('sends a raw text body as text/plain, and reads a text answer', async () => {
    const { calls, fetch } = mockFetch({
      'POST /api/faqs/import': () => json(200, { records: 1 }),
      'GET /api/faqs/export': () => new Response('question,answer\nWhy?,Because.\n', { status: 200, headers: { 'Content-Type': 'text/csv' } }),
    });
    await request('POST', '/api/faqs/import', { query: { format: 'csv' }, text: 'question,answer\n' });
    expect(calls[0]).toEqual({ method: 'POST', url: '/api/faqs/import?format=csv', body: 'question,answer\n' });
    const init = fetch.mock.calls[0]![1]!;
    expect(new Headers(init.headers).get('Content-Type')).toBe('text/plain; charset=utf-8');
    await expect(requestText('GET', '/api/faqs/export', { query: { format: 'csv' } })).resolves.toBe('question,answer\nWhy?,Because.\n');
  });

  it("keeps an invalid file's bad lines and a 429's Retry-After", async () => {
    mockFetch({
      'POST /api/faqs/import': () =>
        json(422, {
          error: {
            code: 'invalid_file',
            message: '2 line(s) of the file have errors; nothing was imported',
            lines: [{ line: 2, message: 'not a FAQ object' }, { line: 'x' }, { line: 5, message: 'question: empty' }],
          },
        }),
      'GET /public/acme': () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'too many attempts; retry in 7 seconds' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '7' },
        }),
    });
    const invalid = await request('POST', '/api/faqs/import', { text: 'x' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, code: 'invalid_file', retryAfter: undefined });
    expect((invalid as ApiError).lines).toEqual([
      { line: 2, message: 'not a FAQ object' },
      { line: 5, message: 'question: empty' },
    ]);
    const limited = await request('GET', '/public/acme').catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 7, lines: [] });
  });

  it('names non-JSON failures by status', async () => {
    mockFetch({ 'GET /api/tenant/members': () => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }) });
    await expect(api.tenant.members()).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'The server answered 502 Bad Gateway.' });
  });

  it('says in words when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(request('GET', '/api/tasks')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('reports a lost session, but not a failed log-in', async () => {
    const handler = vi.fn();
    onUnauthenticated(handler);
    mockFetch({
      'GET /api/tasks': () => apiError(401, 'unauthenticated', 'authentication required'),
      'POST /api/auth/login': () => apiError(401, 'invalid_credentials', 'email or password is wrong'),
    });
    await expect(api.tasks.list()).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.auth.login({ email: 'a@b.c', password: 'x' })).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('streamTaskEvents', () => {
  const event = (seq: number, kind: string): TaskEvent => ({ task_id: 't', seq, kind, data: {}, created_at: '2026-01-01T00:00:00Z' });

  it('yields each event of the stream, split anywhere', async () => {
    const text = [event(4, 'node.started'), event(5, 'task.done')]
      .map((e) => `id: ${e.seq}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`)
      .join('');
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 13) controller.enqueue(bytes.slice(i, i + 13));
        controller.close();
      },
    });
    const { calls } = mockFetch({ 'GET /api/tasks/t/events': () => new Response(body, { status: 200 }) });
    const seen: TaskEvent[] = [];
    for await (const e of streamTaskEvents('t', 3, new AbortController().signal)) seen.push(e);
    expect(seen.map((e) => [e.seq, e.kind])).toEqual([
      [4, 'node.started'],
      [5, 'task.done'],
    ]);
    expect(calls[0]!.url).toBe('/api/tasks/t/events?after=3');
  });

  it('throws the API error when the stream is refused', async () => {
    mockFetch({ 'GET /api/tasks/t/events': () => apiError(404, 'not_found', 'task not found') });
    const run = async () => {
      for await (const e of streamTaskEvents('t', 0, new AbortController().signal)) void e;
    };
    await expect(run()).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'task not found' });
  });
});
