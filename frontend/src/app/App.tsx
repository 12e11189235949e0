import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { SessionProvider } from '../features/auth';
import { createRouter } from './routes';

export function App() {
  const [router] = useState(createRouter);
  return (
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>
  );
}
