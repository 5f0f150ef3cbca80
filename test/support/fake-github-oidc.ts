import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IdTokenRequest {
  audience: string | null;
  authorized: boolean;
}

export interface FakeGithubOidc {
  /** ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, as the runner sets them. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  requests: IdTokenRequest[];
  /** Every ID token handed out, in order. */
  issued: string[];
  stop(): Promise<void>;
}

/**
 * The runner's ID-token endpoint on loopback HTTP: `GET <url>&audience=…` with the request token as a bearer token,
 * answering `{ "value": "<jwt>" }` with a new token each time.
 */
export async function startFakeGithubOidc(subject = 'repo:octo-org/site:ref:refs/heads/main'): Promise<FakeGithubOidc> {
  const requestToken = `runner-request-token-${Math.random().toString(36).slice(2)}`;
  const requests: IdTokenRequest[] = [];
  const issued: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const audience = url.searchParams.get('audience');
    requests.push({ audience, authorized });
    if (url.pathname !== '/idtoken' || !authorized) {
      res.writeHead(authorized ? 404 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: authorized ? 'not found' : 'bad request token' }));
      return;
    }
    const token = idToken(subject, audience ?? 'https://github.com/octo-org', issued.length);
    issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 1, value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    requests,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Shaped like GitHub's ID token (Entra is faked too, so nobody verifies the signature). */
function idToken(subject: string, audience: string, serial: number): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    encode({ typ: 'JWT', alg: 'RS256', kid: 'fake-runner' }),
    encode({
      iss: 'https://token.actions.githubusercontent.com',
      sub: subject,
      aud: audience,
      iat: now,
      nbf: now - 5,
      exp: now + 300,
      jti: `${serial}-${Math.random().toString(36).slice(2)}`,
    }),
    Buffer.from(`fake-signature-${serial}`).toString('base64url'),
  ].join('.');
}
