import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { checkHelpCentre, draftFrom, helpArticleHref, helpCentreHref, settingsErrors, settingsRequest, suggestSlug } from './helpCentre';

describe('help centre settings', () => {
  it('checks the slug and title as the server does', () => {
    const ok = { slug: 'acme-help', title: 'Acme help', enabled: true };
    expect(checkHelpCentre(ok)).toEqual({});
    expect(checkHelpCentre({ ...ok, slug: ' Acme-Help ' })).toEqual({});
    expect(checkHelpCentre({ ...ok, slug: 'a--b' })).toEqual({});
    expect(checkHelpCentre({ ...ok, slug: 'x'.repeat(63) })).toEqual({});
    for (const bad of ['ab', '-acme', 'acme-', 'acme_help', 'acmé', 'x'.repeat(64), '']) {
      expect(checkHelpCentre({ ...ok, slug: bad }).slug, bad).toMatch(/^From 3 to 63 lower-case letters/);
    }
    expect(checkHelpCentre({ ...ok, title: '  ' }).title).toBe('Give the help centre a title, e.g. Acme help.');
    expect(checkHelpCentre({ ...ok, title: 'x'.repeat(201) }).title).toBe('At most 200 characters.');
    expect(settingsRequest({ slug: ' Acme-Help ', title: ' Acme help ', enabled: false })).toEqual({ slug: 'acme-help', title: 'Acme help', enabled: false });
  });

  it('offers a slug from the organisation name, and starts from the saved settings', () => {
    expect(suggestSlug('Acme Corp.')).toBe('acme-corp-help');
    expect(suggestSlug('Société Générale')).toBe('societe-generale-help');
    expect(suggestSlug('株式会社')).toBe('help-centre');
    expect(draftFrom(null, 'Acme')).toEqual({ slug: 'acme-help', title: 'Acme help centre', enabled: false });
    expect(draftFrom({ slug: 'x-y', title: 'T', enabled: true, tenant_id: 't1', updated_at: '' }, 'Acme')).toEqual({ slug: 'x-y', title: 'T', enabled: true });
  });

  it("turns the API's refusals into field errors", () => {
    expect(settingsErrors(new ApiError(409, 'conflict', 'another help centre has this slug'))).toEqual({
      slug: 'Another organisation already has this address. Pick another slug.',
    });
    expect(settingsErrors(new ApiError(422, 'validation', 'slug: a slug has 3 to 63 …'))?.slug).toMatch(/^From 3 to 63/);
    expect(settingsErrors(new ApiError(422, 'validation', 'title: a title must have 1 to 200 characters'))).toEqual({
      title: 'A title must have 1 to 200 characters.',
    });
    expect(settingsErrors(new ApiError(500, 'internal', 'x'))).toBeUndefined();
    expect(settingsErrors(new Error('x'))).toBeUndefined();
  });

  it('links to the public pages', () => {
    expect(helpCentreHref('acme-help')).toBe('/help/acme-help');
    expect(helpArticleHref('acme-help', 'f1')).toBe('/help/acme-help/faqs/f1');
    expect(helpArticleHref('acme-help', 'f1', 'q1')).toBe('/help/acme-help/faqs/f1?query=q1');
  });
});
