import { Button } from '../../../components/Button';

/** Said when a save was refused because someone else saved the FAQ first (a 409 on a stale version). */
export function EditConflictNotice({ version, onLoadLatest }: { version: number; onLoadLatest: () => void }) {
  return (
    <div
      role="alert"
      className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/60 dark:text-amber-100"
    >
      <p className="font-semibold">Someone else changed this FAQ while you were editing it</p>
      <p className="mt-0.5">
        You started from version {version}, and a newer version has been saved since, so your changes were not saved: they would have
        replaced theirs. Your text is still in the form. Copy what you want to keep, load the latest version, and make your changes
        again.
      </p>
      <Button variant="secondary" className="mt-2" onClick={onLoadLatest}>
        Load the latest version
      </Button>
    </div>
  );
}
