export { LoginPage } from './LoginPage';
export { RequireSession } from './RequireSession';
export { SessionProvider } from './SessionProvider';
export { useMe, useSession } from './session';
export { SignupPage } from './SignupPage';
