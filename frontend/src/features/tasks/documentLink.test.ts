import { describe, expect, it } from 'vitest';
import { documentLink } from './documentLink';

describe('documentLink', () => {
  it("links a done doc task to the document version it wrote", () => {
    expect(documentLink({ kind: 'doc', status: 'done', result: { document_id: 'd1', version: 2, markdown: '# x' } })).toBe('/documents/d1?version=2');
    expect(documentLink({ kind: 'doc', status: 'done', result: { document_id: 'd1' } })).toBe('/documents/d1');
  });

  it('is nothing for other tasks, unfinished ones and odd results', () => {
    expect(documentLink({ kind: 'echo', status: 'done', result: { document_id: 'd1' } })).toBeNull();
    expect(documentLink({ kind: 'doc', status: 'waiting_approval', result: { document_id: 'd1' } })).toBeNull();
    expect(documentLink({ kind: 'doc', status: 'done', result: null })).toBeNull();
    expect(documentLink({ kind: 'doc', status: 'done', result: { document_id: 3 } })).toBeNull();
  });
});
