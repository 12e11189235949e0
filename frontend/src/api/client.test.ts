import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test/fetchMock';
import { ApiError, api, onUnauthenticated, queryString, request, streamTaskEvents, type TaskEvent } from './client';

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
