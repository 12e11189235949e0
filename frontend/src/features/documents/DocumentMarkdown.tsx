import { Markdown } from '../../components/Markdown';
import { remarkCitations, type CitationLinkOptions } from './remarkCitations';

/**
 * A document's Markdown (GitHub flavour, code highlighted, no raw HTML), its
 * citations linked to the file view at `commit`.
 */
export function DocumentMarkdown({ markdown, repositoryId, commit }: { markdown: string } & CitationLinkOptions) {
  return (
    <Markdown
      markdown={markdown}
      remarkPlugins={[[remarkCitations, { repositoryId, commit }]]}
      className="sm:prose-base prose-headings:scroll-mt-20 [&_a[data-citation]_code]:text-inherit"
      testId="document-markdown"
    />
  );
}
