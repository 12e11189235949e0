import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { Button } from '../../components/Button';
import { Card, PageHeader } from '../../components/Card';
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/Field';
import { ErrorNotice, Loading } from '../../components/States';
import { useAction } from '../../hooks/useAction';
import { useAsync } from '../../hooks/useAsync';
import { defaultEchoForm, echoInput, jsonInput, type EchoForm } from './taskInput';

function FieldError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return <p className="mt-1 text-xs text-red-700 dark:text-red-300">{message}</p>;
}

export function NewTaskPage() {
  const navigate = useNavigate();
  const kinds = useAsync((signal) => api.tasks.kinds(signal), []);
  const [kind, setKind] = useState('echo');
  const [echo, setEcho] = useState<EchoForm>(defaultEchoForm);
  const [json, setJson] = useState('{\n  \n}');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useAction(async (input: Record<string, unknown>) => {
    const accepted = await api.tasks.create({ kind, input });
    navigate(`/tasks/${accepted.task_id}`);
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const result = kind === 'echo' ? echoInput(echo) : jsonInput(json);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    void create.run(result.input);
  };

  const description = kinds.data?.find((k) => k.kind === kind)?.description;
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader title="New task" subtitle="A task runs one agent graph in the background; you can watch it live." />
      <Card>
        <ErrorNotice error={kinds.error} onRetry={kinds.reload} />
        {!kinds.data && !kinds.error ? (
          <Loading />
        ) : (
          <form onSubmit={onSubmit} className="space-y-4" noValidate>
            <SelectField label="Kind" value={kind} onChange={(e) => setKind(e.target.value)} hint={description}>
              {(kinds.data ?? [{ kind: 'echo' }]).map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.kind}
                </option>
              ))}
            </SelectField>
            {kind === 'echo' ? (
              <>
                <div>
                  <TextArea
                    label="Message"
                    rows={3}
                    required
                    value={echo.message}
                    aria-invalid={!!errors.message}
                    onChange={(e) => setEcho({ ...echo, message: e.target.value })}
                  />
                  <FieldError message={errors.message} />
                </div>
                <div className="grid gap-4 sm:grid-cols-2">
                  <div>
                    <TextField
                      label="Rounds"
                      inputMode="numeric"
                      hint="How many times to echo (1–1000)."
                      value={echo.rounds}
                      aria-invalid={!!errors.rounds}
                      onChange={(e) => setEcho({ ...echo, rounds: e.target.value })}
                    />
                    <FieldError message={errors.rounds} />
                  </div>
                  <div>
                    <TextField
                      label="Delay per round (ms)"
                      inputMode="numeric"
                      hint="Slows each round down so you can watch it."
                      value={echo.delayMs}
                      aria-invalid={!!errors.delayMs}
                      onChange={(e) => setEcho({ ...echo, delayMs: e.target.value })}
                    />
                    <FieldError message={errors.delayMs} />
                  </div>
                </div>
                <CheckboxField
                  label="Ask for approval before finishing"
                  hint="The task waits until someone approves or rejects it."
                  checked={echo.requireApproval}
                  onChange={(e) => setEcho({ ...echo, requireApproval: e.target.checked })}
                />
              </>
            ) : (
              <div>
                <TextArea
                  label="Input (JSON object)"
                  rows={8}
                  value={json}
                  aria-invalid={!!errors.json}
                  onChange={(e) => setJson(e.target.value)}
                />
                <FieldError message={errors.json} />
              </div>
            )}
            <ErrorNotice error={create.error} />
            <div className="flex flex-wrap gap-2">
              <Button type="submit" busy={create.busy}>
                Start task
              </Button>
              <Button variant="ghost" onClick={() => navigate('/tasks')}>
                Back
              </Button>
            </div>
          </form>
        )}
      </Card>
    </div>
  );
}
