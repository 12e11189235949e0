// FAQ categories as the tree their `parent_id`s make: for indented lists and
// pickers, a category's full name, and where a category may be moved.
import type { FaqCategory } from './types';

export interface CategoryNode {
  category: FaqCategory;
  /** 0 for a top-level category. */
  depth: number;
}

const bySiblingOrder = (a: FaqCategory, b: FaqCategory) => a.position - b.position || a.name.localeCompare(b.name);

/**
 * Depth first, siblings by position then name (as the API orders them). A
 * category whose parent is not in the list shows at the top level.
 */
export function categoryTree(categories: readonly FaqCategory[]): CategoryNode[] {
  const ids = new Set(categories.map((c) => c.id));
  const children = new Map<string | null, FaqCategory[]>();
  for (const c of categories) {
    const parent = c.parent_id && ids.has(c.parent_id) ? c.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const out: CategoryNode[] = [];
  const placed = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    for (const category of [...(children.get(parent) ?? [])].sort(bySiblingOrder)) {
      if (placed.has(category.id)) continue;
      placed.add(category.id);
      out.push({ category, depth });
      visit(category.id, depth + 1);
    }
  };
  visit(null, 0);
  // A cycle (which the API refuses) would leave some unplaced: list them anyway.
  for (const category of categories) if (!placed.has(category.id)) out.push({ category, depth: 0 });
  return out;
}

/** `Billing › Refunds`: the category's name after its ancestors'. */
export function categoryPath(categories: readonly FaqCategory[], id: string): string | undefined {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let c = byId.get(id); c && !seen.has(c.id); c = c.parent_id ? byId.get(c.parent_id) : undefined) {
    seen.add(c.id);
    names.unshift(c.name);
  }
  return names.length ? names.join(' › ') : undefined;
}

/** The category and everything below it: where it cannot be moved. */
export function subtreeIds(categories: readonly FaqCategory[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of categories) {
      if (c.parent_id && out.has(c.parent_id) && !out.has(c.id)) {
        out.add(c.id);
        grew = true;
      }
    }
  }
  return out;
}
