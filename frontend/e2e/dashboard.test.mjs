// The dashboard end to end: real headless Chromium (Debian's, driven by
// playwright-core) against a real `morningai serve` on a fresh SQLite database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'test-results', 'e2e');
const BIN = process.env.MORNINGAI_BIN ?? resolve(ROOT, '../target/debug/morningai');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const PASSWORD = 'correct horse battery';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let server;
let userDataDir;
let fixtureDir; // a small git repository to index
let docFixtureDir; // a small Rust project to ask questions about
let context; // Ada, of Acme: the persistent context of a fresh profile
let other; // Bob, of Globex: an isolated context (own cookies) on a phone, in dark mode
const pageErrors = [];
const state = {};

async function shot(page, name) {
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}

function watchErrors(page, who) {
  page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
  page.on('console', (m) => {
    // 401/403/404 are pages saying so; 422 is an import's dry run refusing a bad file.
    if (m.type() === 'error' && !/status of (40[134]|422)/.test(m.text())) pageErrors.push(`${who} console: ${m.text()}`);
  });
}

async function signUp(page, { tenant, email }) {
  await page.goto(`${server.base}/signup`);
  await page.getByLabel('Organisation').fill(tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** Starts an echo task from the form and returns its id (the page is on the task). */
async function createEcho(page, { message, rounds = '3', delayMs = '300', approval = false }) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await page.getByRole('link', { name: 'New task' }).click();
  await page.getByLabel('Message').fill(message);
  await page.getByLabel('Rounds').fill(rounds);
  await page.getByLabel('Delay per round (ms)').fill(delayMs);
  if (approval) await page.getByLabel('Ask for approval before finishing').check();
  await page.getByRole('button', { name: 'Start task' }).click();
  await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
  return page.url().match(UUID)[0];
}

const heading = (page) => page.getByRole('heading', { level: 1 });

before(async () => {
  mkdirSync(RESULTS, { recursive: true });
  server = await startServer({ bin: BIN, frontendDir: join(ROOT, 'dist'), logFile: join(RESULTS, 'server.log') });
  userDataDir = mkdtempSync(join(tmpdir(), 'morningai-chromium-'));
  fixtureDir = mkdtempSync(join(tmpdir(), 'morningai-fixture-'));
  writeFileSync(join(fixtureDir, 'README.md'), '# Fixture\n\nA tiny repository for the browser suite.\n');
  writeFileSync(join(fixtureDir, 'lib.rs'), 'pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n');
  const git = (cwd, ...args) => execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', ...args], { cwd, stdio: 'ignore' });
  git(fixtureDir, 'init', '-q');
  git(fixtureDir, 'add', '.');
  git(fixtureDir, 'commit', '-qm', 'fixture');
  docFixtureDir = mkdtempSync(join(tmpdir(), 'morningai-shop-'));
  mkdirSync(join(docFixtureDir, 'src'));
  writeFileSync(join(docFixtureDir, 'Cargo.toml'), '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\naxum = "0.8"\n');
  writeFileSync(
    join(docFixtureDir, 'src/main.rs'),
    'fn main() {\n    println!("{}", greet("world"));\n}\n\npub fn greet(name: &str) -> String {\n    format!("hello {name}")\n}\n',
  );
  writeFileSync(join(docFixtureDir, 'README.md'), '# Shop\n\nA small web shop.\n\n## Usage\n\nRun it with cargo run.\n');
  git(docFixtureDir, 'init', '-q');
  git(docFixtureDir, 'add', '.');
  git(docFixtureDir, 'commit', '-qm', 'shop');
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  context.setDefaultTimeout(20_000);
  other = await context.browser().newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
  other.setDefaultTimeout(20_000);
});

after(async () => {
  await other?.close().catch(() => {});
  await context?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
  if (docFixtureDir) rmSync(docFixtureDir, { recursive: true, force: true });
  await server?.stop();
});

describe('dashboard', { concurrency: false }, () => {
  test('sign up, run an echo task, watch its timeline reach done, open it', { timeout: 90_000 }, async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    watchErrors(page, 'ada');
    await page.goto(`${server.base}/`);
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // A new instance says that the first sign-up sets it up.
    const hint = page.getByRole('region', { name: 'This is a new MorningAI instance' });
    await hint.getByText('The first sign-up creates your organisation').waitFor();
    await hint.getByRole('link', { name: 'Create the first account' }).waitFor();
    await shot(page, '01-login-first-run');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/signup');
    await page.getByLabel('Organisation').fill('Acme');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('No tasks yet').waitFor();
    await page.getByText('No documents yet').waitFor();
    await shot(page, '02-overview-empty');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    await page.getByText('No tasks yet').waitFor();
    const taskId = await createEcho(page, { message: 'hello from the browser', rounds: '3', delayMs: '1000' });
    state.taskId = taskId;

    // Live: the page opens on the unfinished run (it takes ~3 s) and sees it
    // end without a reload. (The approval test below sees it continue live too.)
    await heading(page).locator('[data-status="queued"], [data-status="running"]').waitFor({ timeout: 2_000 });
    await page.locator('li[data-kind="node"]').first().waitFor();
    await shot(page, '03-task-running');
    await page.locator('li[data-kind="task.done"]').waitFor({ timeout: 30_000 });
    await heading(page).locator('[data-status="done"]').waitFor();
    await page.getByText('Finished', { exact: true }).waitFor();

    const nodes = await page.locator('li[data-kind="node"] .font-mono.font-semibold').allTextContents();
    assert.deepEqual(nodes, ['prepare', 'echo', 'echo', 'echo', 'finish']);
    const durations = await page.getByTestId('node-duration').allTextContents();
    assert.equal(durations.length, 5);
    for (const d of durations) assert.match(d, /^\d+(\.\d)? (ms|s)$/);
    assert.equal(durations.filter((d) => / s$/.test(d) && parseFloat(d) >= 1).length, 3, `each echo took ~1 s: ${durations}`);
    await page.getByText('echo 3 of 3').waitFor();
    await page.getByRole('heading', { name: /^Checkpoints \(6\)$/ }).waitFor();
    assert.match(await page.getByLabel('Result').textContent(), /echoed \\"hello from the browser\\" 3 times/);
    await shot(page, '04-task-done');

    // Open it again from the list.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    const row = page.locator(`a[data-task-id="${taskId}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /done.*echo.*hello from the browser/);
    await shot(page, '05-tasks-list');
    await row.click();
    await page.waitForURL(`**/tasks/${taskId}`);
    await page.locator('li[data-kind="task.done"]').waitFor();

    // A reload on a client-side route is served the app (SPA fallback).
    await page.reload();
    await heading(page).locator('[data-status="done"]').waitFor();

    // Filters.
    await page.goto(`${server.base}/tasks?status=failed`);
    await page.getByText('No tasks match these filters').waitFor();
    await page.getByLabel('Status').selectOption('done');
    await page.locator(`a[data-task-id="${taskId}"]`).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    assert.equal(await page.getByTestId('count-done').textContent(), '1');
  });

  test('a user of another tenant sees none of it', { timeout: 60_000 }, async () => {
    assert.ok(state.taskId, 'the first test created a task');
    const page = await other.newPage();
    watchErrors(page, 'bob');
    await signUp(page, { tenant: 'Globex', email: 'bob@example.com' });
    for (const status of ['queued', 'running', 'waiting_approval', 'done', 'failed', 'canceled']) {
      assert.equal(await page.getByTestId(`count-${status}`).textContent(), '0', status);
    }
    await page.getByText('No tasks yet').waitFor();
    await page.getByText('Nothing waits for approval').waitFor();
    await shot(page, '06-other-tenant-overview-phone-dark');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    await page.getByText('No tasks yet').waitFor();

    await page.goto(`${server.base}/tasks/${state.taskId}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Not found.*task not found/);
    await shot(page, '07-other-tenant-task-not-found');

    await page.goto(`${server.base}/settings/members`);
    const members = page.getByRole('list', { name: 'Members' });
    await members.waitFor();
    assert.equal(await members.getByRole('listitem').count(), 1);
    assert.match(await members.textContent(), /bob@example\.com/);
    assert.doesNotMatch(await members.textContent(), /ada@example\.com/);

    // Spend, usage, budgets and repositories: empty for a fresh tenant.
    await page.goto(`${server.base}/`);
    await page.getByTestId('spend-today').filter({ hasText: /^\$0$/ }).waitFor();
    await page.goto(`${server.base}/usage`);
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    await page.getByText('No model calls in this period').waitFor();
    assert.equal(await page.getByTestId('usage-total-calls').textContent(), '0');
    await shot(page, '07a-usage-empty');
    await page.goto(`${server.base}/settings/budgets`);
    await page.getByRole('table', { name: 'Budget caps' }).waitFor();
    await page.getByRole('button', { name: 'Save budgets' }).waitFor();
    await page.goto(`${server.base}/repositories`);
    await page.getByText('No repositories yet').waitFor();
    await page.getByRole('button', { name: 'Add repository' }).click();
    await page.getByText('Give the repository a name.').waitFor();
    await shot(page, '07b-repositories-empty');

    // The API agrees, with this browser's session cookie.
    const seen = await page.evaluate(async (id) => {
      const list = await (await fetch('/api/tasks')).json();
      const one = await fetch(`/api/tasks/${id}`);
      return { count: list.tasks.length, status: one.status };
    }, state.taskId);
    assert.deepEqual(seen, { count: 0, status: 404 });
    await page.close();
  });

  test('approve an echo task that waits for approval', { timeout: 60_000 }, async () => {
    const page = context.pages()[0];
    const taskId = await createEcho(page, { message: 'publish me', rounds: '1', delayMs: '0', approval: true });
    const panel = page.getByRole('heading', { name: 'Waiting for your approval' });
    await panel.waitFor({ timeout: 20_000 });
    await heading(page).locator('[data-status="waiting_approval"]').waitFor();
    await page.getByText('Publish this echo?').first().waitFor();
    await shot(page, '08-waiting-for-approval');

    // It is listed on the overview as waiting.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    // Counts load after the page shows: wait for the one expected.
    await page.getByTestId('count-waiting_approval').filter({ hasText: /^1$/ }).waitFor();
    await page.getByRole('link', { name: /Publish this echo\?/ }).click();
    await page.waitForURL(`**/tasks/${taskId}`);

    await page.getByLabel('Note (optional)').fill('looks good');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('li[data-kind="task.done"]').waitFor({ timeout: 20_000 });
    await heading(page).locator('[data-status="done"]').waitFor();
    await page.locator('li[data-kind="resumed"]').getByText('Approved').waitFor();
    const result = await page.getByLabel('Result').textContent();
    assert.match(result, /"approved": true/);
    assert.match(result, /"note": "looks good"/);
    assert.equal(await panel.count(), 0);
    await shot(page, '09-approved-done');
  });

  test('API keys: the secret once, then revoke; log out and back in by keyboard', { timeout: 60_000 }, async () => {
    const page = context.pages()[0];
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('No API keys yet').waitFor();
    await page.getByLabel('Name').fill('CI');
    await page.getByLabel('Role').selectOption('member');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent()).trim();
    assert.match(secret, /^mai_/);
    await shot(page, '10-api-key-created');

    const me = (s) => fetch(`${server.base}/api/auth/me`, { headers: { Authorization: `Bearer ${s}` } });
    const res = await me(secret);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).role, 'member');

    await page.getByRole('button', { name: 'I have saved it' }).click();
    assert.equal(await page.getByTestId('api-key-secret').count(), 0);
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is never shown again');
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke CI' }).click();
    await page.getByText(/revoked/).waitFor();
    assert.equal((await me(secret)).status, 401);

    await page.getByRole('button', { name: 'Log out' }).click();
    // The session guard may redirect first (with ?next=) before the button's own navigation.
    await page.waitForURL(/\/login(\?.*)?$/);
    await page.goto(`${server.base}/tasks`);
    await page.waitForURL('**/login?next=%2Ftasks');
    await page.getByLabel('Email').focus();
    await page.keyboard.type('ada@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/tasks');
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    // The list loads after the heading shows: wait for its rows, then count.
    await page.locator('a[data-task-id]').nth(1).waitFor();
    assert.equal(await page.locator('a[data-task-id]').count(), 2);
  });

  test('credentials: a refused host shown at its field, a git token added without its secret, deleted', { timeout: 60_000 }, async () => {
    const page = context.pages()[0];
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByText('No credentials yet').waitFor();
    await page.getByLabel('Host').fill('https://github.com/org');
    await page.getByLabel('Token').fill('ghp_e2e_not_a_real_token');
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.getByText(/^The host must be a host name/).waitFor();
    assert.equal(await page.getByLabel('Host').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Host').fill('GitHub.com');
    await page.getByLabel('Label').fill('CI bot');
    await page.getByRole('button', { name: 'Add credential' }).click();
    const list = page.getByRole('list', { name: 'Credentials' });
    await list.waitFor();
    assert.match(await list.textContent(), /Git token.*github\.com.*CI bot.*user x-access-token.*last used never/);
    assert.equal(await page.getByLabel('Token').inputValue(), '');
    await shot(page, '10a-credentials');
    const listed = await page.evaluate(async () => (await fetch('/api/credentials')).text());
    assert.doesNotMatch(listed, /ghp_e2e_not_a_real_token/);

    await list.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete git token for github.com' }).click();
    await page.getByText('No credentials yet').waitFor();
  });

  test('repositories: add, watch it index, re-index, delete; a daily budget on the overview', { timeout: 60_000 }, async () => {
    const page = context.pages()[0];
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Repositories' }).click();
    await page.getByText('No repositories yet').waitFor();
    await page.getByLabel('Name').fill('fixture');
    await page.getByLabel('Source').fill(fixtureDir);
    await page.getByRole('button', { name: 'Add repository' }).click();
    await page.waitForURL(/\/repositories\/[0-9a-f-]{36}$/);
    const repoUrl = page.url();
    // Pending, then indexing, then ready: the page polls until it is.
    await heading(page).locator('[data-repo-status="ready"]').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('repo-counts').textContent(), /^2 files · \d+ chunks · \d+ symbols$/);
    await page.getByText(/^[0-9a-f]{40}$/).waitFor();
    await shot(page, '11-repository-ready');

    await page.getByRole('button', { name: 'Re-index' }).click();
    await page.getByTestId('index-task-link').click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    await heading(page).locator('[data-status="done"]').waitFor({ timeout: 30_000 });

    await nav.getByRole('link', { name: 'Repositories' }).click();
    const row = page.locator('a[data-repo-id]');
    await row.locator('[data-repo-status="ready"]').waitFor();
    assert.match(await row.textContent(), /fixture/);
    await shot(page, '12-repositories');

    await page.goto(repoUrl);
    await heading(page).locator('[data-repo-status="ready"]').waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete fixture' }).click();
    await page.waitForURL(/\/repositories$/);
    await page.getByText('No repositories yet').waitFor();

    // Budgets: an owner overrides the daily cap; the overview measures against it.
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.getByLabel('Override USD per day').fill('5');
    await page.getByRole('button', { name: 'Save budgets' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByTestId('effective-daily_usd').filter({ hasText: '$5.00' }).waitFor();
    await shot(page, '13-budgets');
    await nav.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('spend-cap').filter({ hasText: 'of $5.00' }).waitFor();
    await page.getByRole('meter', { name: 'Daily budget spent' }).waitFor();
  });

  test('documents: ask a question, watch the task, read the document, follow a citation, compare versions', { timeout: 240_000 }, async () => {
    const page = context.pages()[0];
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    await page.getByText('No documents yet').waitFor();
    await page.getByRole('link', { name: 'Add a repository' }).waitFor();
    await shot(page, '14-documents-empty');

    // A repository to ask about; once ready its page offers the question form.
    await nav.getByRole('link', { name: 'Repositories' }).click();
    await page.getByLabel('Name').fill('shop');
    await page.getByLabel('Source').fill(docFixtureDir);
    await page.getByRole('button', { name: 'Add repository' }).click();
    await page.waitForURL(/\/repositories\/[0-9a-f-]{36}$/);
    const repoUrl = page.url();
    const repoId = repoUrl.match(UUID)[0];
    await heading(page).locator('[data-repo-status="ready"]').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Ask a question about this repository' }).waitFor();

    // Ask from the documents page, picking the ready repository.
    await nav.getByRole('link', { name: 'Documents' }).click();
    await page.getByLabel('Repository', { exact: true }).selectOption({ label: 'shop' });
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByText('Write a question about the repository.').waitFor();
    await page.getByLabel('Question').fill('What is the system architecture?');
    await shot(page, '15-ask-a-question');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    const taskId = page.url().match(UUID)[0];
    await page.locator('li[data-kind="node"]').first().waitFor();
    await page.locator('li[data-kind="task.done"]').waitFor({ timeout: 120_000 });
    await heading(page).locator('[data-status="done"]').waitFor();
    const nodes = await page.locator('li[data-kind="node"] .font-mono.font-semibold').allTextContents();
    for (const node of ['outline', 'retrieve', 'draft', 'verify', 'render', 'save']) assert.ok(nodes.includes(node), `${node} in ${nodes}`);
    assert.ok(server.model.requests > 0, 'the doc task asked the stand-in model');
    await shot(page, '16-doc-task-done');

    // The document: Markdown, verification, evidence, the run that wrote it.
    await page.getByRole('link', { name: 'Open document' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}\?version=1$/);
    const docUrl = page.url();
    const docId = docUrl.match(UUID)[0];
    const body = page.getByTestId('document-markdown');
    await body.getByRole('heading', { level: 1, name: 'shop System Architecture' }).waitFor();
    assert.equal(await page.getByTestId('document-version').textContent(), 'Version 1 of 1');
    assert.match(await body.textContent(), /This part of the project is small and easy to follow/);
    assert.ok(Number(await page.getByTestId('claims-checked').textContent()) > 0);
    assert.ok((await page.getByRole('list', { name: 'Evidence' }).getByRole('listitem').count()) > 0);
    assert.equal(await page.getByTestId('document-task-link').getAttribute('href'), `/tasks/${taskId}`);
    await shot(page, '17-document');

    // A citation opens the file view at the document's commit, its lines highlighted.
    const citation = body.locator('a[data-citation]').first();
    const cited = await citation.getAttribute('data-citation');
    const [, citedPath, start, end] = cited.match(/^(.+):L(\d+)-L(\d+)$/);
    await citation.click();
    await page.waitForURL((url) => url.pathname === `/repositories/${repoId}/file` && url.hash === `#L${start}-L${end}`);
    assert.equal(new URL(page.url()).searchParams.get('path'), citedPath);
    await page.getByRole('heading', { level: 1, name: citedPath }).waitFor();
    await page.locator('tr[data-highlighted]').first().waitFor();
    const highlighted = await page.locator('tr[data-highlighted]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.line)));
    const expected = [];
    for (let n = Number(start); n <= Number(end); n++) expected.push(n);
    assert.deepEqual(highlighted, expected);
    assert.ok(await page.locator(`tr#L${start}`).isVisible());
    await page.getByTestId('highlighted-range').getByText(`Lines ${start}–${end} highlighted.`).waitFor();
    await shot(page, '18-file-view-cited-lines');
    await page.getByRole('button', { name: 'Back' }).click();
    await page.waitForURL(docUrl);

    // Listed, and on the overview.
    await nav.getByRole('link', { name: 'Documents' }).click();
    const row = page.locator(`a[data-document-id="${docId}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /System Architecture.*What is the system architecture\?.*shop.*v1/);
    await shot(page, '19-documents-list');
    await nav.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('list', { name: 'Recent documents' }).locator(`a[data-document-id="${docId}"]`).waitFor();

    // Asked again from the repository's page: version 2, compared with version 1.
    await page.goto(repoUrl);
    await page.getByLabel('Question').fill('What is the system architecture?');
    await page.getByLabel('Ask me to approve before it is final').check();
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Waiting for your approval' }).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('li[data-kind="task.done"]').waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'Open document' }).click();
    await page.waitForURL(`**/documents/${docId}?version=2`);
    await page.getByTestId('document-version').filter({ hasText: 'Version 2 of 2' }).waitFor();
    await page.getByRole('list', { name: 'Versions' }).locator('[data-version="1"]').waitFor();
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.waitForURL(`**/documents/${docId}?version=2&compare=1`);
    const changes = page.getByRole('table', { name: 'Changes from version 1 to 2' });
    await changes.waitFor();
    assert.ok((await changes.locator('tr[data-diff="added"]').count()) > 0);
    assert.ok((await changes.locator('tr[data-diff="removed"]').count()) > 0);
    await shot(page, '20-document-changes');

    // On a phone, in dark mode: the panels stack under the document.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('link', { name: 'Document', exact: true }).click();
    await page.getByTestId('document-markdown').getByRole('heading', { level: 1 }).waitFor();
    await shot(page, '20a-document-phone-dark');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });

    // Another tenant sees none of it: no documents, a not-found page, no file.
    const bob = await other.newPage();
    watchErrors(bob, 'bob');
    await bob.goto(`${server.base}/documents`);
    await bob.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    await bob.getByText('No documents yet').waitFor();
    await bob.goto(docUrl);
    const alert = bob.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Not found.*document not found/);
    await bob.getByRole('link', { name: 'Back to documents' }).waitFor();
    await shot(bob, '21-other-tenant-document-not-found');
    const seen = await bob.evaluate(
      async ({ docId, repoId, path }) => {
        const list = await (await fetch('/api/documents')).json();
        const one = await fetch(`/api/documents/${docId}`);
        const file = await fetch(`/api/repositories/${repoId}/file?path=${encodeURIComponent(path)}`);
        return { count: list.documents.length, document: one.status, file: file.status };
      },
      { docId, repoId, path: citedPath },
    );
    assert.deepEqual(seen, { count: 0, document: 404, file: 404 });
    await bob.close();

    // Delete it: back on the list, which is empty again.
    await page.goto(docUrl);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete this document' }).click();
    await page.waitForURL(/\/documents$/);
    await page.getByText('No documents yet').waitFor();
  });

  test('FAQs: a category, an FAQ published, found by search, edited with its history; analytics', { timeout: 120_000 }, async () => {
    const page = context.pages()[0];
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.getByRole('heading', { name: 'FAQs', level: 1 }).waitFor();
    await page.getByText('No FAQs yet').waitFor();
    await shot(page, '22-faqs-empty');

    // A category to file it under.
    await page.getByRole('link', { name: 'Categories' }).click();
    await page.getByRole('heading', { name: 'FAQ categories', level: 1 }).waitFor();
    await page.getByText('No categories yet').waitFor();
    await page.getByLabel('Name').fill('Billing');
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByRole('list', { name: 'Categories' }).getByRole('link', { name: 'Billing' }).waitFor();
    await shot(page, '23-faq-categories');

    // Written as a draft, its answer previewed as it is typed.
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.getByRole('link', { name: 'New FAQ' }).click();
    await page.waitForURL('**/faqs/new');
    await page.getByLabel('Question').fill('How do I get a refund?');
    await page.getByLabel('Answer (Markdown)').fill('Write to **billing** within 30 days.\n\n- Say which order\n- Say why');
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.locator('strong', { hasText: 'billing' }).waitFor();
    assert.equal(await preview.getByRole('listitem').count(), 2);
    await page.getByLabel('Category').selectOption({ label: 'Billing' });
    await page.getByRole('textbox', { name: 'Tags' }).fill('refunds, money');
    await shot(page, '24-faq-new');
    await page.getByRole('button', { name: 'Create FAQ' }).click();
    await page.waitForURL(/\/faqs\/[0-9a-f-]{36}$/);
    const faqUrl = page.url();
    const faqId = faqUrl.match(UUID)[0];
    await heading(page).filter({ hasText: 'How do I get a refund?' }).waitFor();
    assert.equal(await page.getByTestId('faq-version').textContent(), 'Version 1');
    await page.locator('[data-faq-status="draft"]').first().waitFor();

    // Published: version 2.
    await page.getByLabel('Status').selectOption('published');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor();
    await page.getByRole('list', { name: 'Versions' }).locator('[data-version="2"]').waitFor();

    // Found with the search box, with what matched.
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.locator(`li[data-faq-id="${faqId}"]`).waitFor();
    await page.getByLabel('Search FAQs').fill('refund');
    await page.getByLabel('Search FAQs').press('Enter');
    await page.waitForURL((url) => url.pathname === '/faqs' && url.searchParams.get('q') === 'refund');
    const hit = page.getByRole('list', { name: 'Search results' }).locator(`li[data-faq-id="${faqId}"]`);
    await hit.waitFor();
    assert.match(await hit.getByTestId('match-signals').textContent(), /Score \d\.\d{3}.*keyword #1/);
    await shot(page, '25-faq-search');

    // Edited: version 3, by Ada, and what it changed.
    await hit.getByRole('link', { name: 'How do I get a refund?' }).click();
    await page.waitForURL(faqUrl);
    await page.getByLabel('Answer (Markdown)').fill('Write to **billing@example.com** within 30 days.\n\n- Say which order\n- Say why');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 3.' }).waitFor();
    const versions = page.getByRole('list', { name: 'Versions' });
    await versions.locator('[data-version="3"]').filter({ hasText: 'by ada@example.com' }).waitFor();
    await versions.getByRole('link', { name: 'What version 3 changed' }).click();
    await page.waitForURL((url) => url.pathname === `/faqs/${faqId}` && url.search === '?from=2&to=3');
    const changes = page.getByRole('table', { name: 'Changes from version 2 to 3' });
    await changes.waitFor();
    assert.ok((await changes.locator('tr[data-diff="added"]').count()) > 0);
    assert.ok((await changes.locator('tr[data-diff="removed"]').count()) > 0);
    await shot(page, '26-faq-history');

    // The help centre turned on: its public page needs no account.
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.getByRole('link', { name: 'Help centre' }).click();
    await page.getByRole('heading', { name: 'Help centre', level: 1 }).waitFor();
    await page.getByText(/The help centre is not set up/).waitFor();
    await page.getByLabel('Address (slug)').fill('acme-help');
    await page.getByLabel('Title').fill('Acme help');
    await page.getByLabel('Public: anyone with the link reads the published FAQs').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await page.getByTestId('help-centre-state').getByRole('link').getAttribute('href'), '/help/acme-help');
    await shot(page, '26a-help-centre-settings');

    // A visitor (no cookies) finds the answer by searching, reads it, says it helped.
    const visitor = await context.browser().newContext({ viewport: { width: 1024, height: 800 } });
    visitor.setDefaultTimeout(20_000);
    const guest = await visitor.newPage();
    watchErrors(guest, 'visitor');
    await guest.goto(`${server.base}/help/acme-help`);
    await guest.getByRole('heading', { name: 'Acme help', level: 1 }).waitFor();
    await guest.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Billing' }).waitFor();
    await guest.getByRole('list', { name: 'Questions' }).getByRole('link', { name: 'How do I get a refund?' }).waitFor();
    await guest.getByLabel('Search the help centre').fill('refund');
    await guest.getByLabel('Search the help centre').press('Enter');
    await guest.getByRole('list', { name: 'Search results' }).getByRole('link', { name: 'How do I get a refund?' }).click();
    await guest.waitForURL((url) => url.pathname === `/help/acme-help/faqs/${faqId}` && url.searchParams.has('query'));
    await guest.getByRole('heading', { name: 'How do I get a refund?', level: 1 }).waitFor();
    await guest.getByTestId('faq-markdown').locator('strong', { hasText: 'billing@example.com' }).waitFor();
    await shot(guest, '26b-help-centre-public');
    await guest.getByRole('group', { name: 'Was this helpful?' }).getByRole('button', { name: 'Yes' }).click();
    await guest.getByRole('status').filter({ hasText: 'Thanks! Glad it helped.' }).waitFor();
    await guest.goto(`${server.base}/help/no-such-help`);
    await guest.getByRole('alert').filter({ hasText: 'There is no help centre here' }).waitFor();
    await visitor.close();

    // Analytics count the visitor's search (the dashboard's own searches are not logged) and feedback.
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'FAQ analytics', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Top queries' }).getByRole('link', { name: 'refund' }).waitFor();
    assert.ok(Number(await page.getByTestId('faq-total-queries').textContent()) >= 1);
    assert.equal(await page.getByTestId('faq-helpful-rate').textContent(), '100%');
    await page.getByLabel('Period').selectOption('7');
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await page.getByRole('table', { name: 'Top queries' }).waitFor();
    await shot(page, '27-faq-analytics');

    // Another tenant sees none of it.
    const bob = await other.newPage();
    watchErrors(bob, 'bob');
    await bob.goto(faqUrl);
    const alert = bob.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Not found.*FAQ not found/);
    await bob.goto(`${server.base}/faqs`);
    await bob.getByText('No FAQs yet').waitFor();
    await bob.close();
  });

  test('FAQ files: a bad line refused with its report, a file imported, an export downloaded', { timeout: 60_000 }, async () => {
    const page = context.pages()[0];
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'FAQs' }).click();
    await page.getByRole('link', { name: 'Import / export' }).click();
    await page.getByRole('heading', { name: 'Import and export FAQs', level: 1 }).waitFor();

    // A dry run of pasted JSON Lines with a broken line: every bad line, nothing imported.
    const bad = ['{"question": "Can I pay by invoice?", "answer": "Yes."}', '{"question": "Broken"', ''].join('\n');
    await page.getByLabel('Or paste the FAQs as text').fill(bad);
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
    await refused.waitFor();
    const lines = refused.getByRole('table', { name: 'Lines with errors' });
    assert.match(await lines.locator('tr[data-line="2"]').textContent(), /^2not a FAQ object/);
    assert.equal(await lines.locator('tbody tr').count(), 1);
    await shot(page, '28-faq-import-refused');

    // A CSV file: its format guessed, checked, then imported.
    const csv = 'question,answer,category,tags\nCan I pay by invoice?,"Yes, on the **Business** plan.",Billing,"billing, invoices"\nWhere is my order?,See the Orders page.,,\n';
    await page.getByLabel('File to import').setInputFiles({ name: 'faqs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('chosen-file').filter({ hasText: 'faqs.csv' }).waitFor();
    assert.equal(await page.getByLabel('Format').inputValue(), 'csv');
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByTestId('import-report').filter({ hasText: 'Checked: nothing was imported' }).waitFor();
    assert.equal(await page.getByTestId('import-created').textContent(), '2');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 2 FAQs: 2 created, 0 updated, 0 unchanged.').waitFor();
    await shot(page, '29-faq-imported');

    // The published FAQs as a CSV download, with what was just imported.
    await page.getByLabel('Which FAQs').selectOption('published');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'faqs-published.csv');
    const exported = readFileSync(await download.path(), 'utf8');
    assert.match(exported, /^id,/);
    for (const q of ['How do I get a refund?', 'Can I pay by invoice?', 'Where is my order?']) assert.ok(exported.includes(q), q);
    await page.getByRole('status').filter({ hasText: 'Downloaded faqs-published.csv.' }).waitFor();

    await page.getByRole('link', { name: 'All FAQs' }).click();
    await page.getByRole('list', { name: 'FAQs' }).getByRole('link', { name: 'Can I pay by invoice?' }).waitFor();
  });

  test('no script errors in any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
