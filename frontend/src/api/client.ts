// The one way the dashboard talks to the API. Types come from `schema.ts`,
// generated from the backend's OpenAPI document (`npm run api:update`), so a
// changed endpoint breaks the build here instead of at run time.
import type { components, paths } from './schema';
import { SseParser } from './sse';

export type Schemas = components['schemas'];
export type Role = Schemas['Role'];
export type Task = Schemas['Task'];
export type TaskStatus = Schemas['TaskStatus'];
export type TaskEvent = Schemas['TaskEvent'];
export type TaskKind = Schemas['TaskKind'];
export type TaskPage = Schemas['TaskPage'];
export type Checkpoint = Schemas['Checkpoint'];
export type Approval = Schemas['Approval'];
export type Member = Schemas['Member'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type Credential = Schemas['Credential'];
export type CredentialKind = Schemas['CredentialKind'];
export type CreateCredentialRequest = Schemas['CreateCredentialRequest'];
export type Me = Schemas['MeResponse'];
export type SessionResponse = Schemas['SessionResponse'];
export type Usage = Schemas['UsageBody'];
export type UsageTotals = Schemas['UsageTotalsBody'];
export type BudgetCaps = Schemas['BudgetCaps'];
export type Budgets = Schemas['BudgetsBody'];
export type UpdateBudgets = Schemas['UpdateBudgetsRequest'];
export type Repository = Schemas['Repository'];
export type RepositoryStatus = Schemas['RepositoryStatus'];
export type TaskCounts = Schemas['TaskCounts'];
export type Document = Schemas['Document'];
export type DocumentPage = Schemas['DocumentPage'];
export type DocumentVersion = Schemas['DocumentVersion'];
export type DocumentVersionInfo = Schemas['DocumentVersionInfo'];
export type DocumentWithVersion = Schemas['DocumentWithVersion'];
export type VersionDiff = Schemas['VersionDiff'];
export type Publication = Schemas['Publication'];
export type RepositoryFile = Schemas['RepositoryFile'];
export type FileQuery = paths['/api/repositories/{id}/file']['get']['parameters']['query'];

export type TasksQuery = NonNullable<paths['/api/tasks']['get']['parameters']['query']>;
export type UsageQuery = NonNullable<paths['/api/usage']['get']['parameters']['query']>;
export type ApprovalsQuery = NonNullable<paths['/api/approvals']['get']['parameters']['query']>;
export type DocumentsQuery = NonNullable<paths['/api/documents']['get']['parameters']['query']>;

export type LineError = Schemas['LineError'];

/** A failed call: the API's `{"error":{"code","message"}}`, or what went wrong on the way. */
export class ApiError extends Error {
  /** The HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The API's stable code (`validation`, `unauthenticated`, …), or `network` / `http_<status>`. */
  readonly code: string;
  /** For `invalid_file`: each bad line of the file and why; otherwise empty. */
  readonly lines: readonly LineError[];
  /** For a 429: the seconds to wait (`Retry-After`), when the server said. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, details: { lines?: readonly LineError[]; retryAfter?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.lines = details.lines ?? [];
    this.retryAfter = details.retryAfter;
  }
}

/** What to show a person for any error a call may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, as `text/plain` (a file to import), instead of `body`. */
  text?: string;
  signal?: AbortSignal;
}

let unauthenticatedHandler: (() => void) | undefined;

/** Called when a signed-in call answers 401 (the session ended or was revoked). */
export function onUnauthenticated(handler: (() => void) | undefined): void {
  unauthenticatedHandler = handler;
}

export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function isErrorBody(body: unknown): body is Schemas['ErrorBody'] {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function isLineError(value: unknown): value is LineError {
  return typeof value === 'object' && value !== null && typeof (value as LineError).line === 'number' && typeof (value as LineError).message === 'string';
}

/** `Retry-After` in seconds (the API sends whole seconds, never a date). */
function retryAfterSeconds(res: Response): number | undefined {
  const raw = res.headers.get('Retry-After')?.trim();
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) {
      const lines = Array.isArray(body.error.lines) ? body.error.lines.filter(isLineError) : [];
      return new ApiError(res.status, body.error.code, body.error.message, { lines, retryAfter: retryAfterSeconds(res) });
    }
  } catch {
    // Not JSON: a proxy's page, or a crash before the API answered.
  }
  const reason = res.statusText ? `${res.status} ${res.statusText}` : String(res.status);
  return new ApiError(res.status, `http_${res.status}`, `The server answered ${reason}.`, { retryAfter: retryAfterSeconds(res) });
}

/** Sends a call (same origin, session cookie); a failure throws an `ApiError`. */
async function send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal };
  if (options.text !== undefined) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    init.body = options.text;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path + queryString(options.query), init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Could not reach the MorningAI server. Check your connection and that the server is running.');
  }
  if (!res.ok) {
    const error = await errorFrom(res);
    if (error.status === 401 && !path.startsWith('/api/auth/')) unauthenticatedHandler?.();
    throw error;
  }
  return res;
}

/** Calls the API and returns the JSON answer. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, options, 'application/json');
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'invalid_response', 'The server sent an answer that is not JSON.');
  }
}

/** Calls the API and returns the answer as text (a file to download). */
export async function requestText(method: string, path: string, options: RequestOptions = {}): Promise<string> {
  const res = await send(method, path, options, '*/*');
  return res.text();
}

/** Events that end a task's stream. */
export const FINAL_EVENTS: ReadonlySet<string> = new Set(['task.done', 'task.failed', 'task.canceled']);

/**
 * A task's events after `after`, as the server sends them (server-sent events
 * over fetch: every event kind arrives, and errors keep the API's words).
 * Ends when the server ends the stream.
 */
export async function* streamTaskEvents(taskId: string, after: number, signal: AbortSignal): AsyncGenerator<TaskEvent> {
  let res: Response;
  try {
    res = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/events${queryString({ after })}`, {
      headers: { Accept: 'text/event-stream' },
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new ApiError(0, 'network', 'Lost the connection to the MorningAI server.');
  }
  if (!res.ok || !res.body) {
    const error = await errorFrom(res);
    if (error.status === 401) unauthenticatedHandler?.();
    throw error;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const data of parser.push(decoder.decode(value, { stream: true }))) {
        yield JSON.parse(data) as TaskEvent;
      }
    }
  } finally {
    // Stops the download when the caller stops reading (navigated away).
    reader.cancel().catch(() => undefined);
  }
}

const id = (value: string) => encodeURIComponent(value);

/** Every endpoint the dashboard uses, typed from the OpenAPI document. */
export const api = {
  auth: {
    me: () => request<Me>('GET', '/api/auth/me'),
    setup: (signal?: AbortSignal) => request<Schemas['SetupStatus']>('GET', '/api/auth/setup', { signal }),
    signup: (body: Schemas['SignupRequest']) => request<SessionResponse>('POST', '/api/auth/signup', { body }),
    login: (body: Schemas['LoginRequest']) => request<SessionResponse>('POST', '/api/auth/login', { body }),
    logout: () => request<void>('POST', '/api/auth/logout'),
  },
  tasks: {
    list: (query: TasksQuery = {}, signal?: AbortSignal) =>
      request<TaskPage>('GET', '/api/tasks', { query, signal }),
    counts: (signal?: AbortSignal) => request<TaskCounts>('GET', '/api/tasks/counts', { signal }),
    get: (taskId: string, signal?: AbortSignal) => request<Task>('GET', `/api/tasks/${id(taskId)}`, { signal }),
    create: (body: Schemas['CreateTaskRequest']) =>
      request<Schemas['TaskAccepted']>('POST', '/api/tasks', { body }),
    cancel: (taskId: string) => request<Task>('POST', `/api/tasks/${id(taskId)}/cancel`),
    resume: (taskId: string, body: Schemas['ResumeRequest']) =>
      request<Task>('POST', `/api/tasks/${id(taskId)}/resume`, { body }),
    replay: (taskId: string, body: Schemas['ReplayRequest']) =>
      request<Schemas['TaskAccepted']>('POST', `/api/tasks/${id(taskId)}/replay`, { body }),
    checkpoints: (taskId: string, signal?: AbortSignal) =>
      request<Checkpoint[]>('GET', `/api/tasks/${id(taskId)}/checkpoints`, { signal }),
    /** The server-sent event stream (`EventSource` sends the session cookie). */
    eventsUrl: (taskId: string) => `/api/tasks/${id(taskId)}/events`,
    kinds: (signal?: AbortSignal) => request<TaskKind[]>('GET', '/api/task-kinds', { signal }),
  },
  approvals: {
    list: (query: ApprovalsQuery = {}, signal?: AbortSignal) =>
      request<Approval[]>('GET', '/api/approvals', { query, signal }),
  },
  tenant: {
    members: (signal?: AbortSignal) => request<Member[]>('GET', '/api/tenant/members', { signal }),
    addMember: (body: Schemas['AddMemberRequest']) => request<Member>('POST', '/api/tenant/members', { body }),
    changeMember: (userId: string, body: Schemas['ChangeMemberRequest']) =>
      request<Member>('PATCH', `/api/tenant/members/${id(userId)}`, { body }),
    removeMember: (userId: string) => request<void>('DELETE', `/api/tenant/members/${id(userId)}`),
  },
  apiKeys: {
    list: (signal?: AbortSignal) => request<ApiKey[]>('GET', '/api/api-keys', { signal }),
    create: (body: Schemas['CreateApiKeyRequest']) => request<CreatedApiKey>('POST', '/api/api-keys', { body }),
    revoke: (keyId: string) => request<void>('DELETE', `/api/api-keys/${id(keyId)}`),
  },
  /** The tenant's git tokens and SSH keys (owners and admins); secrets go in, never come out. */
  credentials: {
    list: (signal?: AbortSignal) => request<Credential[]>('GET', '/api/credentials', { signal }),
    create: (body: CreateCredentialRequest) => request<Credential>('POST', '/api/credentials', { body }),
    remove: (credentialId: string) => request<void>('DELETE', `/api/credentials/${id(credentialId)}`),
  },
  usage: {
    get: (query: UsageQuery = {}, signal?: AbortSignal) => request<Usage>('GET', '/api/usage', { query, signal }),
    budgets: (signal?: AbortSignal) => request<Budgets>('GET', '/api/usage/budgets', { signal }),
    updateBudgets: (body: UpdateBudgets) => request<Budgets>('PUT', '/api/usage/budgets', { body }),
  },
  repositories: {
    list: (signal?: AbortSignal) => request<Schemas['RepositoryList']>('GET', '/api/repositories', { signal }),
    get: (repoId: string, signal?: AbortSignal) =>
      request<Repository>('GET', `/api/repositories/${id(repoId)}`, { signal }),
    create: (body: Schemas['CreateRepositoryRequest']) =>
      request<Schemas['RepositoryCreated']>('POST', '/api/repositories', { body }),
    remove: (repoId: string) => request<void>('DELETE', `/api/repositories/${id(repoId)}`),
    index: (repoId: string) => request<Schemas['IndexAccepted']>('POST', `/api/repositories/${id(repoId)}/index`),
    /** A file's text at `commit` (default: the indexed commit). */
    file: (repoId: string, query: FileQuery, signal?: AbortSignal) =>
      request<RepositoryFile>('GET', `/api/repositories/${id(repoId)}/file`, { query, signal }),
  },
  documents: {
    list: (query: DocumentsQuery = {}, signal?: AbortSignal) =>
      request<DocumentPage>('GET', '/api/documents', { query, signal }),
    /** The document with one version (default: the latest). */
    get: (docId: string, version?: number, signal?: AbortSignal) =>
      request<DocumentWithVersion>('GET', `/api/documents/${id(docId)}`, { query: { version }, signal }),
    versions: (docId: string, signal?: AbortSignal) =>
      request<Schemas['VersionList']>('GET', `/api/documents/${id(docId)}/versions`, { signal }),
    diff: (docId: string, from: number, to: number, signal?: AbortSignal) =>
      request<VersionDiff>('GET', `/api/documents/${id(docId)}/diff`, { query: { from, to }, signal }),
    remove: (docId: string) => request<void>('DELETE', `/api/documents/${id(docId)}`),
  },
};
