import { Link } from 'react-router';
import { helpCentreHref } from '../helpCentre';
import type { HelpCentre } from '../types';
import { textLink } from './styles';

/** Whether the help centre is public, and its address when it is. */
export function PublicLinkNotice({ settings }: { settings: HelpCentre | null | undefined }) {
  if (!settings) return <p className="text-sm text-slate-600 dark:text-slate-300">The help centre is not set up: no one outside your organisation sees your FAQs.</p>;
  if (!settings.enabled) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="help-centre-state">
        The help centre is <span className="font-medium">off</span>: its address shows nothing until it is turned on.
      </p>
    );
  }
  const href = helpCentreHref(settings.slug);
  const absolute = `${window.location.origin}${href}`;
  return (
    <div className="space-y-1 text-sm" data-testid="help-centre-state">
      <p>
        The help centre is <span className="font-medium text-emerald-700 dark:text-emerald-400">public</span>: anyone with the link reads and searches
        your published FAQs, without an account.
      </p>
      <p>
        <Link to={href} target="_blank" rel="noopener" className={`break-all font-mono ${textLink}`}>
          {absolute}
        </Link>
      </p>
    </div>
  );
}
