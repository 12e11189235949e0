import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { ME, renderAt } from '../../test/render';
import { NewTaskPage } from './NewTaskPage';

afterEach(() => vi.unstubAllGlobals());

const kinds = [{ kind: 'echo', description: 'Echoes a message', approver_role: 'member' }];

describe('NewTaskPage', () => {
  it('checks the form before sending, then opens the new task', async () => {
    const { calls } = mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/task-kinds': () => json(200, kinds),
      'POST /api/tasks': () => json(202, { task_id: 'new-task', trace_id: 'x', status: 'queued', created: true }),
    });
    const { router } = renderAt('/tasks/new', [
      { path: '/tasks/new', element: <NewTaskPage /> },
      { path: '/tasks/:id', element: <p>task page</p> },
    ]);
    await userEvent.click(await screen.findByRole('button', { name: 'Start task' }));
    expect(screen.getByText('say something to echo')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(screen.getByLabelText('Message'), 'hello');
    await userEvent.click(screen.getByLabelText('Ask for approval before finishing'));
    await userEvent.click(screen.getByRole('button', { name: 'Start task' }));
    await screen.findByText('task page');
    expect(router.state.location.pathname).toBe('/tasks/new-task');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'echo',
      input: { message: 'hello', rounds: 3, delay_ms: 500, require_approval: true },
    });
  });

  it("shows the API's validation message", async () => {
    mockFetch({
      'GET /api/auth/me': () => json(200, ME),
      'GET /api/task-kinds': () => json(200, kinds),
      'POST /api/tasks': () => apiError(403, 'forbidden', 'creating tasks needs the member role or higher'),
    });
    renderAt('/tasks/new', [{ path: '/tasks/new', element: <NewTaskPage /> }]);
    await userEvent.type(await screen.findByLabelText('Message'), 'hello');
    await userEvent.click(screen.getByRole('button', { name: 'Start task' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Not allowed');
    expect(alert).toHaveTextContent('creating tasks needs the member role or higher');
  });
});
