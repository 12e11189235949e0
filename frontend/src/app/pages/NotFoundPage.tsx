import { Link } from 'react-router';
import { focusRing } from '../../components/Button';
import { EmptyState } from '../../components/States';

export function NotFoundPage() {
  return (
    <EmptyState title="There is no page here">
      <Link to="/" className={`underline ${focusRing}`}>
        Go to the overview
      </Link>
    </EmptyState>
  );
}
