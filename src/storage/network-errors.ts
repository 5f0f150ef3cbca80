/** The system error codes of a request that never reached the service: the host is unknown or unreachable. */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Connections that opened but broke or stalled. */
export const UNSTABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'REQUEST_SEND_ERROR',
]);

/**
 * Connection failures worth another try: all of the above but ENOTFOUND. A host name that does not resolve will not
 * start to within seconds, and retrying only hides a typo in the account name.
 */
export const RETRIABLE_CODES: ReadonlySet<string> = new Set(
  [...UNREACHABLE_CODES, ...UNSTABLE_CODES].filter((code) => code !== 'ENOTFOUND'),
);
