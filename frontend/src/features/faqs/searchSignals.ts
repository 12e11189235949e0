// What found a search hit: the API sends each signal as a plain object
// (`{rank, score}`: BM25 for keywords, cosine similarity for meaning).
import type { SearchHit } from './types';

export interface MatchSignal {
  /** 1-based. */
  rank: number;
  score: number;
}

export function readSignal(value: unknown): MatchSignal | null {
  if (typeof value !== 'object' || value === null) return null;
  const { rank, score } = value as { rank?: unknown; score?: unknown };
  if (typeof rank !== 'number' || typeof score !== 'number' || !Number.isFinite(score)) return null;
  return { rank, score };
}

export function hitSignals(hit: SearchHit): { keyword: MatchSignal | null; semantic: MatchSignal | null } {
  return { keyword: readSignal(hit.keyword), semantic: readSignal(hit.semantic) };
}
