import type { ComponentProps } from 'react';
import Markdown, { type Components } from 'react-markdown';
import { Link } from 'react-router';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { focusRing } from '../../components/Button';
import { remarkCitations, type CitationLinkOptions } from './remarkCitations';

/** Links inside the app (citations) go through the router; others open in a new tab. */
function MarkdownLink({ node: _node, href = '', children, ...rest }: ComponentProps<'a'> & { node?: unknown }) {
  const cls = `${focusRing} rounded-sm`;
  if (href.startsWith('/')) {
    return (
      <Link to={href} className={cls} {...rest}>
        {children}
      </Link>
    );
  }
  return (
    <a href={href} className={cls} target="_blank" rel="noreferrer noopener" {...rest}>
      {children}
    </a>
  );
}

const components: Components = { a: MarkdownLink };

/**
 * A document's Markdown (GitHub flavour, code highlighted, no raw HTML), its
 * citations linked to the file view at `commit`.
 */
export function DocumentMarkdown({ markdown, repositoryId, commit }: { markdown: string } & CitationLinkOptions) {
  return (
    <div
      className="prose prose-sm prose-slate sm:prose-base max-w-none min-w-0 break-words dark:prose-invert prose-headings:scroll-mt-20 prose-a:text-amber-700 prose-code:before:content-none prose-code:after:content-none prose-pre:bg-slate-100 prose-pre:text-slate-800 dark:prose-a:text-amber-400 dark:prose-pre:bg-slate-950 dark:prose-pre:text-slate-200 [&_a[data-citation]_code]:text-inherit"
      data-testid="document-markdown"
    >
      <Markdown
        remarkPlugins={[remarkGfm, [remarkCitations, { repositoryId, commit }]]}
        rehypePlugins={[[rehypeHighlight, { detect: false }]]}
        components={components}
      >
        {markdown}
      </Markdown>
    </div>
  );
}
