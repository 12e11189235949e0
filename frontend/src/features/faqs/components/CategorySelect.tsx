import type { ReactNode, SelectHTMLAttributes } from 'react';
import { SelectField } from '../../../components/Field';
import { categoryTree } from '../categoryTree';
import type { FaqCategory } from '../types';

/**
 * A picker of categories, indented as their tree; the first option (value
 * `''`) is `noneLabel`. `exclude` leaves out categories (a move's own subtree).
 */
export function CategorySelect({
  label,
  categories,
  noneLabel,
  exclude,
  hint,
  ...rest
}: {
  label: ReactNode;
  categories: readonly FaqCategory[];
  noneLabel: string;
  exclude?: ReadonlySet<string>;
  hint?: ReactNode;
} & SelectHTMLAttributes<HTMLSelectElement>) {
  const value = typeof rest.value === 'string' ? rest.value : '';
  const known = value === '' || categories.some((c) => c.id === value);
  return (
    <SelectField label={label} hint={hint} {...rest}>
      <option value="">{noneLabel}</option>
      {categoryTree(categories)
        .filter(({ category }) => !exclude?.has(category.id))
        .map(({ category, depth }) => (
          <option key={category.id} value={category.id}>
            {'\u00a0\u00a0'.repeat(depth)}
            {depth > 0 ? '└ ' : ''}
            {category.name}
          </option>
        ))}
      {!known && <option value={value}>a deleted category</option>}
    </SelectField>
  );
}
