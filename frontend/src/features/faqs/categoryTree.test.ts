import { describe, expect, it } from 'vitest';
import { faqCategory } from '../../test/fixtures';
import { categoryPath, categoryTree, subtreeIds } from './categoryTree';

const c = (id: string, name: string, parent_id: string | null = null, position = 0) => faqCategory({ id, name, parent_id, position });

describe('category tree', () => {
  const categories = [c('b', 'Refunds', 'a'), c('a', 'Billing'), c('d', 'Cards', 'a', -1), c('e', 'Accounts', null, 1), c('f', 'Lost', 'gone'), c('x', 'Deep', 'b')];

  it('orders depth first, siblings by position then name; an orphan is top-level', () => {
    expect(categoryTree(categories).map(({ category, depth }) => `${depth}:${category.name}`)).toEqual([
      '0:Billing',
      '1:Cards',
      '1:Refunds',
      '2:Deep',
      '0:Lost',
      '0:Accounts',
    ]);
  });

  it('names a category by its path, and knows its subtree', () => {
    expect(categoryPath(categories, 'x')).toBe('Billing › Refunds › Deep');
    expect(categoryPath(categories, 'nope')).toBeUndefined();
    expect([...subtreeIds(categories, 'a')].sort()).toEqual(['a', 'b', 'd', 'x']);
    expect([...subtreeIds(categories, 'e')]).toEqual(['e']);
  });

  it('survives a cycle', () => {
    const loop = [c('a', 'A', 'b'), c('b', 'B', 'a')];
    expect(categoryTree(loop).map((n) => n.category.id).sort()).toEqual(['a', 'b']);
    expect(categoryPath(loop, 'a')).toBe('B › A');
  });
});
