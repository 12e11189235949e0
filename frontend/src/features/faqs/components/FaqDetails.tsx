import { Link } from 'react-router';
import { formatDateTime } from '../../../lib/format';
import { categoryPath } from '../categoryTree';
import { categoryFaqsHref } from '../format';
import type { Faq, FaqCategory, FaqSource } from '../types';
import { DetailRow } from './DetailRow';
import { FaqStatusBadge } from './FaqStatusBadge';
import { textLink } from './styles';
import { TagList } from './TagList';

const SOURCES: Record<FaqSource, string> = {
  manual: 'Written here',
  imported: 'Imported',
  generated: 'Written by the assistant',
  suggested: 'From a suggestion',
};

/** Where an FAQ is filed and where it came from. */
export function FaqDetails({ faq, categories }: { faq: Faq; categories: readonly FaqCategory[] }) {
  const category = faq.category_id ? categoryPath(categories, faq.category_id) : undefined;
  return (
    <dl className="text-sm">
      <DetailRow label="Status">
        <FaqStatusBadge status={faq.status} />
      </DetailRow>
      <DetailRow label="Category">
        {faq.category_id ? (
          <Link to={categoryFaqsHref(faq.category_id)} className={textLink}>
            {category ?? 'a deleted category'}
          </Link>
        ) : (
          'None'
        )}
      </DetailRow>
      <DetailRow label="Tags">{faq.tags.length ? <TagList tags={faq.tags} /> : 'None'}</DetailRow>
      <DetailRow label="Language">
        <span className="font-mono">{faq.language}</span>
      </DetailRow>
      <DetailRow label="Source">{SOURCES[faq.source] ?? faq.source}</DetailRow>
      {faq.external_id && (
        <DetailRow label="External id">
          <span className="font-mono text-xs">{faq.external_id}</span>
        </DetailRow>
      )}
      <DetailRow label="Found by">{faq.has_embedding ? 'Keywords and meaning' : 'Keywords (not embedded yet)'}</DetailRow>
      <DetailRow label="Created">{formatDateTime(faq.created_at)}</DetailRow>
      <DetailRow label="Updated">{formatDateTime(faq.updated_at)}</DetailRow>
    </dl>
  );
}
