import { Markdown } from '../../../components/Markdown';

/**
 * An FAQ answer's Markdown, rendered as documents are but without their
 * citation links: an answer belongs to no repository.
 */
export function FaqMarkdown({ markdown }: { markdown: string }) {
  return <Markdown markdown={markdown} testId="faq-markdown" />;
}
