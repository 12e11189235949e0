// A version's verification report and evidence manifest, read from the API's
// JSON (typed there as plain objects) into the shapes the doc agent writes:
// orchestration/src/graphs/doc/verify.rs and render.rs. A field missing or of
// another type reads as empty rather than breaking the page.

export type ProseIssue =
  | { kind: 'missing_path'; token: string; path: string; suggestions: string[] }
  | { kind: 'bad_lines'; token: string; path: string; check: { status: string; lines?: number } }
  | { kind: 'unknown_symbol'; name: string }
  | { kind: 'unused_technology'; name: string; mention: string }
  /** A kind this dashboard does not know yet. */
  | { kind: 'other'; reason: string };

export interface RemovedClaim {
  text: string;
  /** It cited no `path:Lstart-Lend`. */
  uncited: boolean;
  issues: ProseIssue[];
}

export interface RewrittenClaim {
  from: string;
  to: string;
}

export interface VerificationReport {
  claims_checked: number;
  claims_kept: number;
  paths_checked: number;
  citations_checked: number;
  symbols_checked: number;
  technologies_checked: number;
  removed_by_kind: Record<string, number>;
  removed: RemovedClaim[];
  rewritten: RewrittenClaim[];
}

export interface ManifestChunk {
  path: string;
  start_line: number;
  end_line: number;
  commit: string;
  sections: string[];
  cited: boolean;
}

export interface EvidenceManifest {
  repository: string;
  commit: string;
  trace_id: string;
  question: string;
  chunks: ManifestChunk[];
  citations: { path: string; start_line: number; end_line: number }[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function readIssue(value: unknown): ProseIssue {
  const o = obj(value);
  switch (o.kind) {
    case 'missing_path':
      return { kind: 'missing_path', token: str(o.token), path: str(o.path), suggestions: arr(o.suggestions).map(str).filter(Boolean) };
    case 'bad_lines': {
      const check = obj(o.check);
      return {
        kind: 'bad_lines',
        token: str(o.token),
        path: str(o.path),
        check: typeof check.lines === 'number' ? { status: str(check.status), lines: check.lines } : { status: str(check.status) },
      };
    }
    case 'unknown_symbol':
      return { kind: 'unknown_symbol', name: str(o.name) };
    case 'unused_technology':
      return { kind: 'unused_technology', name: str(o.name), mention: str(o.mention) };
    default:
      return { kind: 'other', reason: str(o.kind) || 'unknown' };
  }
}

export function readReport(value: unknown): VerificationReport {
  const o = obj(value);
  const byKind: Record<string, number> = {};
  for (const [reason, n] of Object.entries(obj(o.removed_by_kind))) byKind[reason] = num(n);
  return {
    claims_checked: num(o.claims_checked),
    claims_kept: num(o.claims_kept),
    paths_checked: num(o.paths_checked),
    citations_checked: num(o.citations_checked),
    symbols_checked: num(o.symbols_checked),
    technologies_checked: num(o.technologies_checked),
    removed_by_kind: byKind,
    removed: arr(o.removed).map((r) => {
      const c = obj(r);
      return { text: str(c.text), uncited: c.uncited === true, issues: arr(c.issues).map(readIssue) };
    }),
    rewritten: arr(o.rewritten).map((r) => ({ from: str(obj(r).from), to: str(obj(r).to) })),
  };
}

export function readManifest(value: unknown): EvidenceManifest {
  const o = obj(value);
  return {
    repository: str(o.repository),
    commit: str(o.commit),
    trace_id: str(o.trace_id),
    question: str(o.question),
    chunks: arr(o.chunks)
      .map((c) => {
        const k = obj(c);
        return {
          path: str(k.path),
          start_line: num(k.start_line),
          end_line: num(k.end_line),
          commit: str(k.commit),
          sections: arr(k.sections).map(str).filter(Boolean),
          cited: k.cited === true,
        };
      })
      .filter((c) => c.path),
    citations: arr(o.citations)
      .map((c) => ({ path: str(obj(c).path), start_line: num(obj(c).start_line), end_line: num(obj(c).end_line) }))
      .filter((c) => c.path),
  };
}

const REASONS: Record<string, string> = {
  uncited: 'cites nothing',
  missing_path: 'names a path not in the repository',
  bad_lines: 'cites lines the file does not have',
  unknown_symbol: 'names a symbol not in the code',
  unused_technology: 'names a technology the repository does not use',
};

/** `missing_path` → "names a path not in the repository". */
export const reasonLabel = (reason: string): string => REASONS[reason] ?? reason.replaceAll('_', ' ');

const CHECKS: Record<string, string> = {
  missing_file: 'the file is not at that commit',
  invalid_range: 'the range is not valid',
  not_text: 'the file is not text',
};

/** Why a claim was removed, in a sentence. */
export function describeIssue(issue: ProseIssue): string {
  switch (issue.kind) {
    case 'missing_path': {
      const also = issue.suggestions.length ? ` (real paths ending in it: ${issue.suggestions.join(', ')})` : '';
      return `${issue.token || issue.path} is not in the repository${also}`;
    }
    case 'bad_lines': {
      const { status, lines } = issue.check;
      const why = status === 'out_of_range' && lines !== undefined ? `the file has ${lines} lines` : (CHECKS[status] ?? status.replaceAll('_', ' '));
      return `${issue.token || issue.path}: ${why}`;
    }
    case 'unknown_symbol':
      return `${issue.name} is neither defined nor used in the code`;
    case 'unused_technology':
      return `${issue.mention || issue.name}: the repository does not show it uses ${issue.name}`;
    case 'other':
      return reasonLabel(issue.reason);
  }
}

/** The reasons a claim was removed, each in a sentence. */
export function removalReasons(claim: RemovedClaim): string[] {
  const reasons = claim.issues.map(describeIssue);
  if (claim.uncited) reasons.unshift('It cites no lines of the repository');
  return reasons.length ? reasons : ['It did not check out'];
}
