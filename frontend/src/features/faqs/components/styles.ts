import { focusRing } from '../../../components/Button';

/** A link in running text. */
export const textLink = `text-amber-700 underline dark:text-amber-400 ${focusRing}`;

/** A link that looks like the primary button (it navigates, so it stays a link). */
export const primaryLinkButton = `inline-flex min-h-9 items-center rounded-md bg-amber-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-700 dark:bg-amber-500 dark:text-slate-950 dark:hover:bg-amber-400 ${focusRing}`;

/** A link that looks like the secondary button. */
export const secondaryLinkButton = `inline-flex min-h-9 items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700 ${focusRing}`;
