import { describe, expect, it } from 'vitest';
import { readManifest, readReport, removalReasons } from './report';

describe('verification report', () => {
  it("reads the doc agent's report and says why each claim was removed", () => {
    const report = readReport({
      claims_checked: 12,
      claims_kept: 9,
      paths_checked: 4,
      citations_checked: 7,
      symbols_checked: 2,
      technologies_checked: 1,
      removed_by_kind: { uncited: 1, missing_path: 1, bad_lines: 1 },
      removed: [
        { text: 'It is fast.', uncited: true, issues: [] },
        { text: 'See `src/mian.rs`.', uncited: false, issues: [{ kind: 'missing_path', token: 'src/mian.rs', path: 'src/mian.rs', suggestions: [] }] },
        {
          text: 'Lines `src/main.rs:L90-L99`.',
          uncited: false,
          issues: [{ kind: 'bad_lines', token: 'src/main.rs:L90-L99', path: 'src/main.rs', check: { status: 'out_of_range', lines: 7 } }],
        },
        { text: 'Uses Kafka.', uncited: false, issues: [{ kind: 'unused_technology', name: 'Kafka', mention: 'Kafka' }, { kind: 'brand_new' }] },
      ],
      rewritten: [{ from: 'main.rs', to: 'src/main.rs' }],
    });
    expect(report.claims_kept).toBe(9);
    expect(report.removed_by_kind).toEqual({ uncited: 1, missing_path: 1, bad_lines: 1 });
    expect(report.removed.map(removalReasons)).toEqual([
      ['It cites no lines of the repository'],
      ['src/mian.rs is not in the repository'],
      ['src/main.rs:L90-L99: the file has 7 lines'],
      ['Kafka: the repository does not show it uses Kafka', 'brand new'],
    ]);
    expect(report.rewritten).toEqual([{ from: 'main.rs', to: 'src/main.rs' }]);
  });

  it('reads nonsense as empty', () => {
    expect(readReport(null)).toMatchObject({ claims_checked: 0, removed: [], removed_by_kind: {} });
    expect(readReport({ removed: 'x', claims_kept: '3' })).toMatchObject({ claims_kept: 0, removed: [] });
    expect(readManifest({ chunks: [{ path: 'a.rs', start_line: 1, end_line: 2, cited: true }, { nope: 1 }] }).chunks).toEqual([
      { path: 'a.rs', start_line: 1, end_line: 2, commit: '', sections: [], cited: true },
    ]);
  });
});
