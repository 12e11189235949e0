import { Button } from './Button';

/** ← Newer / Page N / Older → for a cursor-paged list; nothing when there is one page. */
export function Pager({
  page,
  nextCursor,
  loading,
  onNewer,
  onOlder,
}: {
  page: number;
  nextCursor: string | null | undefined;
  loading: boolean;
  onNewer: () => void;
  onOlder: (next: string) => void;
}) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="mt-4 flex items-center justify-between gap-2" aria-label="Pages">
      <Button variant="secondary" disabled={page === 1 || loading} onClick={onNewer}>
        ← Newer
      </Button>
      <span className="text-xs text-slate-500 dark:text-slate-400">Page {page}</span>
      <Button
        variant="secondary"
        disabled={!nextCursor || loading}
        onClick={() => {
          if (nextCursor) onOlder(nextCursor);
        }}
      >
        Older →
      </Button>
    </nav>
  );
}
