import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Button, focusRing } from '../../components/Button';
import { TextField } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { AuthLayout } from './AuthLayout';
import { safeNext } from './next';
import { useSession } from './session';

export function LoginPage() {
  const { me, login } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));
  // A new instance has no accounts: say that the first sign-up sets it up.
  // (If the question fails, the page is the usual one.)
  const setup = useAsync((signal) => api.auth.setup(signal), []);
  const firstRun = setup.data?.first_run === true;
  const submit = useAction(async () => {
    await login({ email, password });
    navigate(next, { replace: true });
  });

  if (me) return <Navigate to={next} replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit.run();
  };

  return (
    <AuthLayout
      title="Log in"
      footer={
        <>
          New to this MorningAI?{' '}
          <Link to="/signup" className={`font-medium text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
            Create an account
          </Link>
        </>
      }
    >
      {firstRun && (
        <section
          aria-labelledby="first-run-title"
          data-testid="first-run-hint"
          className="mb-5 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/50 dark:text-amber-100"
        >
          <h2 id="first-run-title" className="font-semibold">
            This is a new MorningAI instance
          </h2>
          <p className="mt-1">
            No one has signed up yet. The first sign-up creates your organisation and makes you its owner; you can then
            invite the rest of your team.
          </p>
          <Link
            to="/signup"
            className={`mt-2 inline-flex min-h-9 items-center rounded-md bg-amber-600 px-3 py-1.5 font-medium text-white hover:bg-amber-700 dark:bg-amber-500 dark:text-slate-950 dark:hover:bg-amber-400 ${focusRing}`}
          >
            Create the first account
          </Link>
        </section>
      )}
      <form className="space-y-4" onSubmit={onSubmit} noValidate={false}>
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorNotice error={submit.error} />
        <Button type="submit" className="w-full" busy={submit.busy}>
          Log in
        </Button>
      </form>
    </AuthLayout>
  );
}
