import { useState, type ReactNode } from 'react';
import { Button } from './Button';

/** A destructive button that asks once more, inline (no modal to trap focus). */
export function ConfirmButton({
  children,
  confirmLabel,
  onConfirm,
  busy,
}: {
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button variant="secondary" onClick={() => setAsking(true)} busy={busy}>
        {children}
      </Button>
    );
  }
  return (
    <span className="inline-flex flex-wrap gap-2" role="group" aria-label={confirmLabel}>
      <Button
        variant="danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </Button>
      <Button variant="ghost" onClick={() => setAsking(false)}>
        Keep
      </Button>
    </span>
  );
}
