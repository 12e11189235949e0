import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Button, focusRing } from '../../components/Button';
import { TextField } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
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
          <p className="mt-2 text-xs">
            On a fresh install there are no accounts yet: the first sign-up creates your organisation and makes you its
            owner.
          </p>
        </>
      }
    >
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
