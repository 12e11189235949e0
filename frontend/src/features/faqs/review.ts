// The review queue: drafts the assistant wrote (a `faq` task: `generated`)
// or that answer a suggestion (`suggested`), and what their `origin` says
// about where the answer came from. The API keeps `origin` opaque, so it is
// read defensively here.
import type { Faq, FaqSource } from './types';

export const REVIEW_SOURCES: readonly FaqSource[] = ['generated', 'suggested'];

export const needsReview = (faq: Faq): boolean => faq.status === 'draft' && REVIEW_SOURCES.includes(faq.source);

export interface EvidenceRange {
  path: string;
  startLine: number;
  endLine: number;
}

export interface Verification {
  checked: number;
  kept: number;
  removed: number;
}

export interface ReviewOrigin {
  taskId?: string;
  repositoryId?: string;
  /** The repository's name when the task ran. */
  repository?: string;
  commit?: string;
  evidence: EvidenceRange[];
  verification?: Verification;
  /** The questions people asked that the suggestion grouped. */
  examples: string[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

function evidence(value: unknown): EvidenceRange[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const { path, start_line, end_line } = e as Record<string, unknown>;
    const start = count(start_line);
    const end = count(end_line);
    if (!text(path) || !start || !end) return [];
    return [{ path: path as string, startLine: start, endLine: Math.max(start, end) }];
  });
}

function verification(value: unknown): Verification | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const checked = count(v.claims_checked);
  const removed = count(v.claims_removed) ?? 0;
  if (checked === undefined) return undefined;
  return { checked, kept: count(v.claims_kept) ?? Math.max(0, checked - removed), removed };
}

/** What a draft's `origin` tells (`agents/src/faq/graph.rs` writes it; a suggestion answered by hand has only its examples). */
export function readOrigin(origin: unknown): ReviewOrigin {
  const o = typeof origin === 'object' && origin !== null ? (origin as Record<string, unknown>) : {};
  return {
    taskId: text(o.task_id),
    repositoryId: text(o.repository_id),
    repository: text(o.repository),
    commit: text(o.commit),
    evidence: evidence(o.evidence),
    verification: verification(o.verification),
    examples: Array.isArray(o.examples) ? o.examples.filter((e): e is string => typeof e === 'string' && e.length > 0) : [],
  };
}
