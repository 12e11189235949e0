import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  /** The latest answer; kept while a reload runs, so the page does not flash. */
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

interface Settled<T> {
  key: string | undefined;
  data: T | undefined;
  error: unknown;
}

/**
 * Runs `load` when `deps` (plain values: ids, filters) change, aborting the
 * previous run, and on `reload`. An answer for older deps is dropped.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [generation, setGeneration] = useState(0);
  const [settled, setSettled] = useState<Settled<T>>({ key: undefined, data: undefined, error: undefined });
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const key = JSON.stringify([deps, generation]);

  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setSettled({ key, data, error: undefined });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setSettled((s) => ({ key, data: s.data, error }));
      },
    );
    return () => controller.abort();
  }, [key]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: settled.data, error: settled.error, loading: settled.key !== key, reload };
}
