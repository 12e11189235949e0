// The category endpoints answer every refusal as a 409 `conflict` whose
// message names the obstacle ("a sibling category with this name"); this says
// it as a sentence and what to do about it.
import { ApiError } from '../../api/client';

const EXPLAINED: { when: string; say: string }[] = [
  { when: 'sibling category with this name', say: 'Another category in the same place already has this name. Pick another name or place.' },
  { when: 'subcategory or FAQ', say: 'Subcategories or FAQs are still filed under it. Move or delete those first.' },
  { when: 'moved under itself', say: 'A category cannot be moved under itself or one of its subcategories.' },
];

export function explainCategoryError(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 404) return new ApiError(404, error.code, 'That category no longer exists: someone may have deleted it. Reload the page.');
  if (error.status !== 409) return error;
  const known = EXPLAINED.find((e) => error.message.includes(e.when));
  return known ? new ApiError(409, error.code, known.say) : error;
}
