import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface OidcTokenRequest {
  method: string;
  apiVersion: string | null;
  serviceConnectionId: string | null;
  /** The request carried `Authorization: Bearer <System.AccessToken>`. */
  authorized: boolean;
  /** `X-TFS-FedAuthRedirect: Suppress`, which keeps Azure DevOps from answering with a sign-in redirect. */
  suppressRedirect: boolean;
}

export interface FakeAdoOidc {
  /** System.OidcRequestUri, as the agent sets it (SYSTEM_OIDCREQUESTURI). */
  requestUri: string;
  requests: OidcTokenRequest[];
  /** Every ID token handed out, in order. */
  issued: string[];
  stop(): Promise<void>;
}

export interface FakeAdoOidcOptions {
  certPath: string;
  keyPath: string;
  /** The job's System.AccessToken; requests with another bearer token get 401. */
  systemAccessToken: string;
  /** The subject of the ID tokens (sc://ORG/PROJECT/CONNECTION, as on a real service connection). */
  subject?: string;
}

const JOB_PATH =
  '/fabrikam/6a3f1c2e-0000-4000-8000-00000000beef/_apis/distributedtask/hubs/build/plans/' +
  '1f0e9d8c-0000-4000-8000-000000000001/jobs/2e1d0c9b-0000-4000-8000-000000000002/oidctoken';

/**
 * The agent's OIDC token endpoint (System.OidcRequestUri) on loopback HTTPS: `POST <uri>?api-version=7.1&
 * serviceConnectionId=<id>` with the job's access token, answering `{ "oidcToken": "<jwt>" }` with a new ID token
 * each time, shaped like the ones Azure DevOps issues for a service connection.
 */
export async function startFakeAdoOidc(options: FakeAdoOidcOptions): Promise<FakeAdoOidc> {
  const subject = options.subject ?? 'sc://fabrikam/web/azure-storage-wif';
  const requests: OidcTokenRequest[] = [];
  const issued: string[] = [];
  const server = createServer(
    { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const request: OidcTokenRequest = {
        method: req.method ?? '',
        apiVersion: url.searchParams.get('api-version'),
        serviceConnectionId: url.searchParams.get('serviceConnectionId'),
        authorized: req.headers.authorization === `Bearer ${options.systemAccessToken}`,
        suppressRedirect: req.headers['x-tfs-fedauthredirect'] === 'Suppress',
      };
      requests.push(request);
      req.resume();
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== JOB_PATH || request.method !== 'POST') {
        send(404, { message: `${request.method} ${url.pathname} not found` });
      } else if (!request.authorized) {
        send(401, { message: 'TF400813: The user is not authorized to access this resource.' });
      } else if (!request.serviceConnectionId) {
        send(400, { message: 'serviceConnectionId is required' });
      } else {
        const token = idToken(subject, issued.length);
        issued.push(token);
        send(200, { oidcToken: token });
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requestUri: `https://127.0.0.1:${port}${JOB_PATH}`,
    requests,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Shaped like an Azure DevOps service connection ID token (Entra is faked too, so nobody checks the signature). */
function idToken(subject: string, serial: number): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    encode({ typ: 'JWT', alg: 'RS256', kid: 'fake-azure-devops' }),
    encode({
      iss: 'https://vstoken.dev.azure.com/6a3f1c2e-0000-4000-8000-00000000cafe',
      sub: subject,
      aud: 'api://AzureADTokenExchange',
      iat: now,
      nbf: now - 5,
      exp: now + 600,
      jti: `${serial}-${Math.random().toString(36).slice(2)}`,
    }),
    Buffer.from(`fake-signature-${serial}`).toString('base64url'),
  ].join('.');
}
