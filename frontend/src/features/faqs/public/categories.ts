// A public help centre's categories come parents first, in the order the
// organisation gave them; this adds each one's depth for an indented list.
import type { PublicCategory } from '../types';

export interface PublicCategoryNode {
  category: PublicCategory;
  depth: number;
}

export function withDepth(categories: readonly PublicCategory[]): PublicCategoryNode[] {
  const depth = new Map<string, number>();
  return categories.map((category) => {
    const parent = category.parent_id ? depth.get(category.parent_id) : undefined;
    const d = parent === undefined ? 0 : parent + 1;
    depth.set(category.id, d);
    return { category, depth: d };
  });
}

/** `Billing › Refunds`. */
export function publicCategoryPath(categories: readonly PublicCategory[], id: string): string | undefined {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let c = byId.get(id); c && !seen.has(c.id); c = c.parent_id ? byId.get(c.parent_id) : undefined) {
    seen.add(c.id);
    names.unshift(c.name);
  }
  return names.length ? names.join(' › ') : undefined;
}
