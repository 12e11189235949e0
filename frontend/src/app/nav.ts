// The main navigation. A feature whose API is not built yet keeps its entry
// here with `enabled: false`: add its folder under src/features/, its routes
// in routes.tsx, and flip the flag.
export interface NavEntry {
  to: string;
  label: string;
  enabled: boolean;
  /** Active only on exactly this path (the overview at `/`). */
  end?: boolean;
}

export const NAV: readonly NavEntry[] = [
  { to: '/', label: 'Overview', enabled: true, end: true },
  { to: '/tasks', label: 'Tasks', enabled: true },
  { to: '/documents', label: 'Documents', enabled: true },
  { to: '/faqs', label: 'FAQs', enabled: true },
  { to: '/repositories', label: 'Repositories', enabled: true },
  { to: '/usage', label: 'Usage', enabled: true },
  { to: '/settings', label: 'Settings', enabled: true },
];

export const visibleNav = (): NavEntry[] => NAV.filter((e) => e.enabled);
