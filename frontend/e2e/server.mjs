// A real `morningai serve` for the browser suite: a fresh SQLite database in
// a temp dir, a free port, the built frontend, in-process workers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
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

/** Starts the server; resolves once `/readyz` answers. `logFile` receives its output. */
export async function startServer({ bin, frontendDir, logFile }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'morningai-e2e-'));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MORNINGAI_')));
  Object.assign(env, {
    MORNINGAI_ADDR: `127.0.0.1:${port}`,
    MORNINGAI_DATA_DIR: dataDir,
    MORNINGAI_DATABASE_URL: `sqlite://${join(dataDir, 'morningai.db')}`,
    MORNINGAI_JWT_SECRET: randomBytes(32).toString('hex'),
    MORNINGAI_FRONTEND_DIR: resolve(frontendDir),
    MORNINGAI_WORKERS: '2',
    MORNINGAI_SHUTDOWN_GRACE_SECS: '2',
    // The suite adds a fixture repository from a directory on this machine.
    MORNINGAI_ALLOW_LOCAL_REPOSITORIES: 'true',
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
    if (exited) throw new Error(`morningai serve exited early (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`morningai serve not ready after 60 s; see ${logFile}`);
    await sleep(200);
  }

  return {
    base,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      log.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
