import { hitSignals } from '../searchSignals';
import type { SearchHit } from '../types';

const chip = 'rounded px-1.5 py-0.5';

/** Why a hit matched: its fused score and the signals that found it (keyword rank, semantic similarity). */
export function MatchSignals({ hit }: { hit: SearchHit }) {
  const { keyword, semantic } = hitSignals(hit);
  return (
    <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-300" data-testid="match-signals">
      <span title="Reciprocal rank fusion of the signals that found it: higher ranks first">
        Score <span className="font-mono tabular-nums">{hit.score.toFixed(3)}</span>
      </span>
      {keyword && (
        <span className={`${chip} bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100`} title={`BM25 ${keyword.score.toFixed(2)}`}>
          keyword #{keyword.rank}
        </span>
      )}
      {semantic && (
        <span className={`${chip} bg-violet-100 text-violet-900 dark:bg-violet-900/60 dark:text-violet-100`} title="Cosine similarity of the meaning">
          semantic #{semantic.rank} · {semantic.score.toFixed(2)} similar
        </span>
      )}
    </p>
  );
}
