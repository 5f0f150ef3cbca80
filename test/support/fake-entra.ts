import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from './http-body.js';

export interface FakeEntraOptions {
  certPath: string;
  keyPath: string;
  /**
   * Lifetime of issued access tokens. MSAL treats a token within 5 minutes of expiry as expired, so anything under
   * 300 s makes every token request go to the server again (and fetch a new client assertion).
   */
  tokenLifetimeSeconds?: number;
  /**
   * The `expires_in` the token response reports (default: the lifetime). The Azure SDK fetches a new token before
   * any request once the current one is within 1 s of expiry, and MSAL rounds the issue time to whole seconds, so 0
   * makes every storage request go through a token refresh (and a new client assertion) while the token itself
   * stays valid for Azurite.
   */
  reportedLifetimeSeconds?: number;
  /**
   * Decides whether to refuse a token request: return Entra's error description (e.g. an AADSTS700213 text) to
   * answer 400 invalid_grant, as Entra does for a federated credential that does not match.
   */
  refuse?: (request: TokenRequest) => string | undefined;
  /** Client secrets by client ID: those clients may sign in with `client_secret` instead of an assertion. */
  clientSecrets?: Record<string, string>;
}

export interface TokenRequest {
  tenantId: string;
  clientId: string;
  clientAssertion: string;
  /** Set when the client signed in with a secret. */
  clientSecret?: string;
  scope: string;
}

export interface FakeEntra {
  /** `https://127.0.0.1:<port>`: pass as the authority host (with instance discovery disabled). */
  authorityHost: string;
  /** Every client-credentials token request, in order. */
  requests: TokenRequest[];
  /** Every access token issued, in order (so tests can check none reached a log). */
  issuedTokens: string[];
  stop(): Promise<void>;
}

const DEFAULT_LIFETIME_SECONDS = 3600;

/**
 * A stand-in for Microsoft Entra ID on loopback HTTPS: OpenID discovery plus the client-credentials token endpoint
 * that `ClientAssertionCredential` uses. It issues access tokens that Azurite's `--oauth basic` accepts (it checks
 * the claims, not the signature).
 */
export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const lifetime = options.tokenLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  const reportedLifetime = options.reportedLifetimeSeconds ?? lifetime;
  const requests: TokenRequest[] = [];
  const issuedTokens: string[] = [];
  let authorityHost = '';

  const server = createServer(
    { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) },
    (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', authorityHost);
      const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === 'GET' && discovery) {
        sendJson(res, 200, openIdConfiguration(authorityHost, discovery[1] ?? ''));
      } else if (req.method === 'POST' && token) {
        readBody(req).then(
          (body) => answerTokenRequest(new URLSearchParams(body), token[1] ?? '', res),
          () => sendJson(res, 400, { error: 'invalid_request' }),
        );
      } else {
        sendJson(res, 404, { error: 'not_found', error_description: `${req.method} ${url.pathname}` });
      }
    },
  );

  function answerTokenRequest(form: URLSearchParams, tenantId: string, res: ServerResponse): void {
    const problem = checkTokenRequest(form, options.clientSecrets ?? {});
    if (problem) {
      // Entra answers a wrong secret with 401 invalid_client, a malformed request with 400 invalid_request.
      const wrongSecret = problem.startsWith('AADSTS7000215');
      sendJson(res, wrongSecret ? 401 : 400, {
        error: wrongSecret ? 'invalid_client' : 'invalid_request',
        error_description: problem,
      });
      return;
    }
    const request = {
      tenantId,
      clientId: form.get('client_id') ?? '',
      clientAssertion: form.get('client_assertion') ?? '',
      clientSecret: form.get('client_secret') ?? undefined,
      scope: form.get('scope') ?? '',
    };
    requests.push(request);
    const refusal = options.refuse?.(request);
    if (refusal) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: refusal });
      return;
    }
    const accessToken = storageAccessToken(tenantId, request.clientId, lifetime);
    issuedTokens.push(accessToken);
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: reportedLifetime,
      ext_expires_in: reportedLifetime,
      access_token: accessToken,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authorityHost = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    authorityHost,
    requests,
    issuedTokens,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function openIdConfiguration(host: string, tenant: string): Record<string, unknown> {
  return {
    issuer: `${host}/${tenant}/v2.0`,
    authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
    jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'],
  };
}

/** What Entra itself would reject: anything but client credentials with a JWT bearer assertion (or a known secret). */
function checkTokenRequest(form: URLSearchParams, secrets: Record<string, string>): string | undefined {
  if (form.get('grant_type') !== 'client_credentials') return 'grant_type must be client_credentials';
  const secret = form.get('client_secret');
  if (secret !== null) {
    const expected = secrets[form.get('client_id') ?? ''];
    return expected !== undefined && secret === expected
      ? undefined
      : 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.';
  }
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return 'client_assertion_type must be jwt-bearer';
  }
  if (!form.get('client_assertion')) return 'client_assertion is missing';
  if (!form.get('client_id')) return 'client_id is missing';
  return undefined;
}

/** A JWT with the claims Azurite checks; the signature is not verified by Azurite's basic OAuth mode. */
function storageAccessToken(tenantId: string, clientId: string, lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: 'fake-entra' };
  const claims = {
    aud: 'https://storage.azure.com',
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now - 5,
    nbf: now - 5,
    exp: now + lifetimeSeconds,
    appid: clientId,
    tid: tenantId,
    // The service principal's object ID, as Entra sets it (a user delegation key is issued to it).
    oid: objectIdOf(clientId),
    // Makes each token unique even when two are issued in the same second.
    uti: Math.random().toString(36).slice(2),
    ver: '1.0',
  };
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(claims)}.${Buffer.from('not-signed-fake-entra').toString('base64url')}`;
}

/** A stable object ID per client, shaped like a GUID. */
function objectIdOf(clientId: string): string {
  const hex = createHash('sha256').update(clientId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
