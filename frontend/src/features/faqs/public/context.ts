// What the help centre's layout hands its pages.
import { useOutletContext } from 'react-router';
import type { PublicHelpCentre } from '../types';

export interface HelpCentreContext {
  slug: string;
  centre: PublicHelpCentre;
}

export const useHelpCentre = (): HelpCentreContext => useOutletContext<HelpCentreContext>();
