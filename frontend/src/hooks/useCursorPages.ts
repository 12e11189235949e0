import { useState } from 'react';

/**
 * Paging through a newest-first list by cursor: the cursors of the pages
 * before this one are kept, the last being this page's. A new `filterKey`
 * (other filters) starts again at the first page.
 */
export function useCursorPages(filterKey: string) {
  const [cursors, setCursors] = useState<string[]>([]);
  const [key, setKey] = useState(filterKey);
  if (key !== filterKey) {
    setKey(filterKey);
    setCursors([]);
  }
  return {
    /** This page's cursor; `undefined` on the first page. */
    cursor: cursors[cursors.length - 1],
    /** This page's number, from 1. */
    page: cursors.length + 1,
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: (next: string) => setCursors((c) => [...c, next]),
  };
}
