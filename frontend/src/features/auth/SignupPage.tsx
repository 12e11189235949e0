import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { Button, focusRing } from '../../components/Button';
import { TextField } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { AuthLayout } from './AuthLayout';
import { useSession } from './session';

export function SignupPage() {
  const { me, signup } = useSession();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenantName, setTenantName] = useState('');
  const submit = useAction(async () => {
    await signup({ email, password, tenant_name: tenantName });
    navigate('/', { replace: true });
  });

  if (me) return <Navigate to="/" replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit.run();
  };

  return (
    <AuthLayout
      title="Create an account"
      footer={
        <>
          Already have an account?{' '}
          <Link to="/login" className={`font-medium text-amber-700 underline dark:text-amber-400 ${focusRing}`}>
            Log in
          </Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={onSubmit}>
        <TextField
          label="Organisation"
          hint="A new tenant: its data is kept apart from every other. You become its owner."
          autoComplete="organization"
          required
          maxLength={200}
          value={tenantName}
          onChange={(e) => setTenantName(e.target.value)}
        />
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters."
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorNotice error={submit.error} />
        <Button type="submit" className="w-full" busy={submit.busy}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
