// A remark plugin: every citation in a document's prose, as a code span
// (`` `src/main.rs:L3-L9` ``) or plain text, becomes a link to the file view
// at the document's commit, and so does a link to a file of the repository
// (`[Shop](/README.md)`). Code blocks and the text of links are left alone.
import { citationHref, fileHref, findCitations, parseCitation, parseLineHash, type Citation } from '../../lib/citations';

/** The few mdast fields this plugin reads and writes. */
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  title?: string | null;
  children?: MdNode[];
  data?: { hProperties?: Record<string, string> };
}

export interface CitationLinkOptions {
  repositoryId: string;
  /** The commit the document was written at; the file view shows the file there. */
  commit: string | null;
}

const SKIP = new Set(['link', 'linkReference', 'definition', 'code', 'html']);
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** A link's URL as a path in the repository (`/README.md`, `docs/a.md#L3`), or `null` for a web address. */
export function repositoryLink(url: string): { path: string; hash: string } | null {
  if (!url || url.startsWith('#') || url.startsWith('//') || SCHEME.test(url)) return null;
  const hashAt = url.indexOf('#');
  const hash = hashAt >= 0 ? url.slice(hashAt) : '';
  const path = (hashAt >= 0 ? url.slice(0, hashAt) : url).split('?')[0]!.replace(/^(\.?\/)+/, '');
  const segments = path.split('/');
  if (!path || segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return { path, hash };
}

function link(href: string, citation: Citation, children: MdNode[]): MdNode {
  return {
    type: 'link',
    url: href,
    title: `${citation.path}, lines ${citation.start}–${citation.end}`,
    children,
    data: { hProperties: { 'data-citation': `${citation.path}:L${citation.start}-L${citation.end}` } },
  };
}

export function remarkCitations(options: CitationLinkOptions) {
  const href = (c: Citation) => citationHref(options.repositoryId, options.commit, c);
  const visit = (node: MdNode) => {
    if (!node.children) return;
    const children: MdNode[] = [];
    for (const child of node.children) {
      if (child.type === 'link') {
        const target = repositoryLink(child.url ?? '');
        if (target) child.url = fileHref(options.repositoryId, target.path, { commit: options.commit, lines: parseLineHash(target.hash) });
        children.push(child);
      } else if (child.type === 'inlineCode') {
        const c = parseCitation(child.value ?? '');
        children.push(c ? link(href(c), c, [child]) : child);
      } else if (child.type === 'text' && child.value) {
        let at = 0;
        for (const m of findCitations(child.value)) {
          if (m.start > at) children.push({ type: 'text', value: child.value.slice(at, m.start) });
          children.push(link(href(m.citation), m.citation, [{ type: 'text', value: m.text }]));
          at = m.end;
        }
        if (at === 0) children.push(child);
        else if (at < child.value.length) children.push({ type: 'text', value: child.value.slice(at) });
      } else {
        if (!SKIP.has(child.type)) visit(child);
        children.push(child);
      }
    }
    node.children = children;
  };
  return (tree: MdNode) => visit(tree);
}
