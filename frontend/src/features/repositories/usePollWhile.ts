import { useEffect, useRef } from 'react';

/** Calls `reload` every `ms` while `active` (an index run is in progress). */
export function usePollWhile(active: boolean, reload: () => void, ms = 2000): void {
  const reloadRef = useRef(reload);
  useEffect(() => {
    reloadRef.current = reload;
  });
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => reloadRef.current(), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
}
