import { describe, expect, it } from 'vitest';
import { remarkCitations, repositoryLink } from './remarkCitations';

describe('remarkCitations', () => {
  it('tells links into the repository from web addresses', () => {
    expect(repositoryLink('/README.md')).toEqual({ path: 'README.md', hash: '' });
    expect(repositoryLink('./docs/a.md#L3-L4')).toEqual({ path: 'docs/a.md', hash: '#L3-L4' });
    expect(repositoryLink('src/main.rs?plain=1')).toEqual({ path: 'src/main.rs', hash: '' });
    for (const url of ['https://example.com/a.md', 'mailto:a@b.c', '//cdn.example.com/x.js', '#section', '../up.md', '', '/']) {
      expect(repositoryLink(url), url).toBeNull();
    }
  });

  it('links code spans and prose citations, leaving code blocks and link text alone', () => {
    const text = (value: string) => ({ type: 'text', value });
    const tree = {
      type: 'root',
      children: [
        {
          type: 'paragraph',
          children: [
            text('Starts in src/main.rs:L1-L3, see '),
            { type: 'inlineCode', value: 'lib.rs:L2' },
            text('.'),
            { type: 'link', url: 'https://example.com', children: [text('a.rs:L1')] },
          ],
        },
        { type: 'code', value: 'src/main.rs:L1-L3' },
      ],
    };
    remarkCitations({ repositoryId: 'r1', commit: 'abc1234' })(tree);
    const paragraph = tree.children[0]!.children!;
    expect(paragraph.map((n) => n.type)).toEqual(['text', 'link', 'text', 'link', 'text', 'link']);
    expect(paragraph[1]).toMatchObject({ url: '/repositories/r1/file?path=src%2Fmain.rs&commit=abc1234#L1-L3', children: [text('src/main.rs:L1-L3')] });
    expect(paragraph[3]).toMatchObject({ url: '/repositories/r1/file?path=lib.rs&commit=abc1234#L2', children: [{ type: 'inlineCode', value: 'lib.rs:L2' }] });
    expect(paragraph[5]).toMatchObject({ url: 'https://example.com', children: [text('a.rs:L1')] });
    expect(tree.children[1]).toEqual({ type: 'code', value: 'src/main.rs:L1-L3' });
  });
});
