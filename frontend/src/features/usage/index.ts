// What the rest of the app may use from the usage feature.
export { BudgetsSection } from './BudgetsSection';
export { SpendTodayCard } from './SpendTodayCard';
export { UsagePage } from './UsagePage';
