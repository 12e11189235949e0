import { FaqMarkdown } from './FaqMarkdown';

/** The answer as people read it, for those who may not edit it. */
export function FaqAnswerView({ answer }: { answer: string }) {
  return (
    <div className="space-y-3">
      <FaqMarkdown markdown={answer} />
      <p className="border-t border-slate-200 pt-3 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
        Owners and admins edit FAQs.
      </p>
    </div>
  );
}
