// The public help centre's settings, checked as the server checks them
// (`HelpCentreSettings::normalized` in core/src/faq.rs), and where its
// public page is in the dashboard.
import { ApiError } from '../../api/client';
import { charCount } from './faqForm';
import type { HelpCentre, HelpCentreSettings } from './types';

export const TITLE_MAX_CHARS = 200;

export interface HelpCentreDraft {
  slug: string;
  title: string;
  enabled: boolean;
}

export type HelpCentreErrors = Partial<Record<'slug' | 'title', string>>;

/** The public page of a help centre: a dashboard route that needs no account. */
export const helpCentreHref = (slug: string): string => `/help/${encodeURIComponent(slug)}`;

/** A help-centre article (a published FAQ), with the search that led to it. */
export function helpArticleHref(slug: string, faqId: string, queryId?: string | null): string {
  const base = `${helpCentreHref(slug)}/faqs/${encodeURIComponent(faqId)}`;
  return queryId ? `${base}?query=${encodeURIComponent(queryId)}` : base;
}

const SLUG_RULE = 'From 3 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen, like acme-help.';

/** `Acme Corp.` → `acme-corp`: a first slug to offer. */
export function suggestSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 58)
    .replace(/-+$/, '');
  return slug.length >= 3 ? `${slug}-help` : 'help-centre';
}

export function draftFrom(settings: HelpCentre | null | undefined, tenantName: string): HelpCentreDraft {
  if (settings) return { slug: settings.slug, title: settings.title, enabled: settings.enabled };
  return { slug: suggestSlug(tenantName), title: `${tenantName} help centre`, enabled: false };
}

export function checkHelpCentre(draft: HelpCentreDraft): HelpCentreErrors {
  const errors: HelpCentreErrors = {};
  // The server lower-cases the slug; it must fit once it has.
  const slug = draft.slug.trim().toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/.test(slug)) errors.slug = SLUG_RULE;
  const title = draft.title.trim();
  if (!title) errors.title = 'Give the help centre a title, e.g. Acme help.';
  else if (charCount(title) > TITLE_MAX_CHARS) errors.title = `At most ${TITLE_MAX_CHARS} characters.`;
  return errors;
}

export const settingsRequest = (draft: HelpCentreDraft): HelpCentreSettings => ({
  slug: draft.slug.trim().toLowerCase(),
  title: draft.title.trim(),
  enabled: draft.enabled,
});

/**
 * A refused save as the field it is about: 409 is a slug another
 * organisation has, 422 names its field (`slug: …`, `title: …`).
 */
export function settingsErrors(error: unknown): HelpCentreErrors | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.status === 409) return { slug: 'Another organisation already has this address. Pick another slug.' };
  if (error.status !== 422) return undefined;
  if (error.message.startsWith('slug:')) return { slug: SLUG_RULE };
  if (error.message.startsWith('title:')) return { title: error.message.slice('title:'.length).trim().replace(/^./, (c) => c.toUpperCase()) + '.' };
  return undefined;
}
