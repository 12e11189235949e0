import { ApiError } from '../api/client';

/** A heading for an error, from its kind; the API's own message says the rest. */
export function errorTitle(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong';
  switch (error.code) {
    case 'network':
      return 'Cannot reach the server';
    case 'unauthenticated':
    case 'invalid_credentials':
      return 'Not signed in';
    case 'forbidden':
      return 'Not allowed';
    case 'not_found':
      return 'Not found';
    case 'validation':
    case 'bad_request':
    case 'invalid_json':
      return 'Please check the form';
    case 'conflict':
    case 'last_owner':
      return 'That cannot be done now';
    case 'rate_limited':
      return 'Too many attempts';
    default:
      return error.status >= 500 ? 'The server had a problem' : 'The request failed';
  }
}
