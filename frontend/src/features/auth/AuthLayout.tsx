import type { ReactNode } from 'react';

/** The frame of the signed-out pages: the name, a card, and a line below it. */
export function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <main className="flex min-h-dvh items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm">
        <p className="mb-6 text-center text-lg font-semibold tracking-tight">
          <span aria-hidden className="mr-1 text-amber-500">
            ◒
          </span>
          MorningAI
        </p>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <h1 className="mb-4 text-xl font-semibold">{title}</h1>
          {children}
        </div>
        <div className="mt-4 text-center text-sm text-slate-600 dark:text-slate-400">{footer}</div>
      </div>
    </main>
  );
}
