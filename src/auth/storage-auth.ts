import type { TokenCredential } from '@azure/identity';

/** How to reach the account. Entry points decide which; storage/connect.ts builds the client. */
export type StorageAuth =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'sas'; serviceUrl: string; sasToken: string }
  | { kind: 'account-key'; serviceUrl: string; accountName: string; accountKey: string }
  | { kind: 'token'; serviceUrl: string; credential: TokenCredential; method: string };

/** The sign-in method as the log names it ('SAS token', 'OIDC (GitHub)', …). */
export function signInMethodName(auth: StorageAuth): string {
  switch (auth.kind) {
    case 'connection-string':
      return 'connection string';
    case 'sas':
      return 'SAS token';
    case 'account-key':
      return 'account key';
    case 'token':
      return auth.method;
  }
}
