import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from './http-body.js';

export interface PurgeCall {
  kind: 'afdEndpoints' | 'endpoints';
  subscriptionId: string;
  resourceGroup: string;
  profile: string;
  endpoint: string;
  apiVersion: string | null;
  contentPaths: string[];
  /** The bearer token sent (the fake Entra's access token). */
  token?: string;
}

export interface FakeArmOptions {
  certPath: string;
  keyPath: string;
  /** Refuse a purge: Resource Manager's error for it, e.g. 403 AuthorizationFailed. */
  refuse?: (call: PurgeCall) => { status: number; code: string; message: string } | undefined;
  /** Polls that answer InProgress before the operation ends (default 2). */
  pollsBeforeDone?: number;
  /** How the operation ends (default Succeeded); 'never' keeps it InProgress. */
  outcome?: 'Succeeded' | 'Failed' | 'never';
}

export interface FakeArm {
  /** `https://127.0.0.1:<port>`: the management endpoint. */
  endpoint: string;
  purges: PurgeCall[];
  /** Polls of the Azure-AsyncOperation URL, in order. */
  polls: string[];
  stop(): Promise<void>;
}

const PURGE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Cdn\/profiles\/([^/]+)\/(afdEndpoints|endpoints)\/([^/]+)\/purge$/;
const OPERATION = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Cdn\/operationresults\/([^/]+)$/;

/**
 * Azure Resource Manager's purge API on loopback HTTPS, as `@azure/arm-cdn` speaks it: POST …/purge answers 202 with
 * an Azure-AsyncOperation URL, which answers InProgress a few times and then the outcome; or the refusal asked for.
 */
export async function startFakeArm(options: FakeArmOptions): Promise<FakeArm> {
  const purges: PurgeCall[] = [];
  const polls: string[] = [];
  const operations = new Map<string, number>();
  let endpoint = '';
  const server = createServer(
    { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) },
    (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', endpoint);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return sendJson(res, 401, armError('AuthenticationFailed', 'No bearer token.'));
      const purge = PURGE.exec(url.pathname);
      const operation = OPERATION.exec(url.pathname);
      if (req.method === 'POST' && purge) {
        readBody(req).then((body) => {
          const [, subscriptionId, resourceGroup, profile, kind, name] = purge;
          const call: PurgeCall = {
            kind: kind as PurgeCall['kind'],
            subscriptionId: subscriptionId!,
            resourceGroup: resourceGroup!,
            profile: profile!,
            endpoint: name!,
            apiVersion: url.searchParams.get('api-version'),
            contentPaths: (JSON.parse(body) as { contentPaths: string[] }).contentPaths,
            token,
          };
          purges.push(call);
          const refusal = options.refuse?.(call);
          if (refusal) return sendJson(res, refusal.status, armError(refusal.code, refusal.message));
          const id = `op-${purges.length}`;
          operations.set(id, 0);
          const status = `${endpoint}/subscriptions/${subscriptionId}/providers/Microsoft.Cdn/operationresults/${id}?api-version=${call.apiVersion}`;
          res.writeHead(202, { 'azure-asyncoperation': status, 'retry-after': '1', 'content-length': 0 });
          res.end();
        });
      } else if (req.method === 'GET' && operation) {
        const id = operation[1]!;
        const seen = operations.get(id);
        if (seen === undefined) return sendJson(res, 404, armError('NotFound', id));
        polls.push(id);
        operations.set(id, seen + 1);
        const outcome = options.outcome ?? 'Succeeded';
        if (outcome === 'never' || seen < (options.pollsBeforeDone ?? 2)) {
          res.setHeader('retry-after', '1');
          return sendJson(res, 200, { name: id, status: 'InProgress' });
        }
        if (outcome === 'Failed') {
          return sendJson(res, 200, {
            name: id,
            status: 'Failed',
            error: armError('PurgeFailed', 'The purge failed at the edge.').error,
          });
        }
        return sendJson(res, 200, { name: id, status: 'Succeeded' });
      } else {
        sendJson(res, 404, armError('NotFound', `${req.method} ${url.pathname}`));
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    purges,
    polls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function armError(code: string, message: string) {
  return { error: { code, message } };
}
