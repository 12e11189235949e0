import type { ComponentProps } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import { Link } from 'react-router';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { focusRing } from './Button';

/** Links inside the app go through the router; others open in a new tab. */
function MarkdownLink({ node: _node, href = '', children, ...rest }: ComponentProps<'a'> & { node?: unknown }) {
  const cls = `${focusRing} rounded-sm`;
  if (href.startsWith('/') && !href.startsWith('//')) {
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

const prose =
  'prose prose-sm prose-slate max-w-none min-w-0 break-words dark:prose-invert prose-a:text-amber-700 prose-code:before:content-none prose-code:after:content-none prose-pre:bg-slate-100 prose-pre:text-slate-800 dark:prose-a:text-amber-400 dark:prose-pre:bg-slate-950 dark:prose-pre:text-slate-200';

/**
 * Markdown as the dashboard shows it: GitHub flavour, code highlighted (by
 * the language a block names), no raw HTML, links as plain links. A feature
 * adds its own remark plugins (the documents' citation links) and classes.
 */
export function Markdown({
  markdown,
  remarkPlugins = [],
  className = '',
  testId,
}: {
  markdown: string;
  /** Run after GitHub flavour. */
  remarkPlugins?: Options['remarkPlugins'];
  /** More typography classes. */
  className?: string;
  testId?: string;
}) {
  return (
    <div className={`${prose} ${className}`} data-testid={testId}>
      <ReactMarkdown remarkPlugins={[remarkGfm, ...(remarkPlugins ?? [])]} rehypePlugins={[[rehypeHighlight, { detect: false }]]} components={components}>
        {markdown}
      </ReactMarkdown>
    </div>
  );
}
