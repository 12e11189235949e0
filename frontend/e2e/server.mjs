// A real `morningai serve` for the browser suite: a fresh SQLite database in
// a temp dir, a free port, the built frontend, in-process workers, and as its
// chat model a stand-in OpenAI-compatible server on another port (so a `doc`
// task takes seconds, not the embedded model's minutes).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the stand-in model always says: one plain sentence citing evidence [1]. */
export const MODEL_SENTENCE = 'This part of the project is small and easy to follow [1].';

/**
 * A stand-in for an OpenAI-compatible server: `POST /v1/chat/completions`
 * answers MODEL_SENTENCE, streamed (server-sent events) or whole, as asked.
 * `requests` counts the calls.
 */
export async function startFakeModel() {
  const state = { requests: 0 };
  const server = createHttpServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no ${req.method} ${req.url} here`, type: 'not_found' } }));
      return;
    }
    state.requests++;
    const body = JSON.parse(raw || '{}');
    const model = body.model ?? 'e2e-model';
    const usage = { prompt_tokens: 120, completion_tokens: 14, total_tokens: 134 };
    if (body.stream) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const send = (data) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      const chunk = (delta, finish) => ({ id: 'e2e', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finish }] });
      send(chunk({ role: 'assistant', content: MODEL_SENTENCE }, null));
      send(chunk({}, 'stop'));
      send({ id: 'e2e', object: 'chat.completion.chunk', model, choices: [], usage });
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'e2e',
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: MODEL_SENTENCE }, finish_reason: 'stop' }],
        usage,
      }),
    );
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    state,
    stop: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** Starts the server; resolves once `/readyz` answers. `logFile` receives its output. */
export async function startServer({ bin, frontendDir, logFile }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'morningai-e2e-'));
  const port = await freePort();
  const model = await startFakeModel();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MORNINGAI_')));
  Object.assign(env, {
    MORNINGAI_ADDR: `127.0.0.1:${port}`,
    MORNINGAI_DATA_DIR: dataDir,
    MORNINGAI_DATABASE_URL: `sqlite://${join(dataDir, 'morningai.db')}`,
    MORNINGAI_JWT_SECRET: randomBytes(32).toString('hex'),
    MORNINGAI_FRONTEND_DIR: resolve(frontendDir),
    MORNINGAI_WORKERS: '2',
    MORNINGAI_SHUTDOWN_GRACE_SECS: '2',
    // The suite adds a fixture repository from a directory in the temp dir.
    MORNINGAI_LOCAL_REPOSITORY_ROOTS: tmpdir(),
    MORNINGAI_LLM_PROVIDER: 'openai',
    MORNINGAI_OPENAI_BASE_URL: model.url,
    MORNINGAI_OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
    MORNINGAI_CHAT_MODEL: 'e2e-model',
    RUST_LOG: env.RUST_LOG ?? 'info,sqlx=warn',
    NO_COLOR: '1',
  });
  const log = createWriteStream(logFile);
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await model.stop();
      throw new Error(`morningai serve exited early (${JSON.stringify(exited)}); see ${logFile}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await model.stop();
      throw new Error(`morningai serve not ready after 60 s; see ${logFile}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }

  return {
    base,
    model: model.state,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      log.end();
      await model.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
