import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body.js';

export interface FakeThread {
  id: number;
  pullRequest: number;
  status: number;
  comments: { id: number; content: string; edits: number }[];
}

export interface FakeAzureDevOps {
  /** System.CollectionUri, e.g. http://127.0.0.1:<port>/fabrikam/ */
  collectionUri: string;
  threads: FakeThread[];
  /** Every request: method, path and whether its bearer token was one the fake accepts for writing. */
  requests: { method: string; path: string; token?: string }[];
  on(pullRequest: number): FakeThread[];
  stop(): Promise<void>;
}

export interface FakeAzureDevOpsOptions {
  project: string;
  repositoryId: string;
  /** Tokens whose build service may contribute to pull requests; any other token gets 403 on thread writes. */
  writeTokens: string[];
  /** Tokens the service knows at all; others get 401 (an expired or foreign token). */
  knownTokens: string[];
}

const LOCATION_AREA = 'e81700f7-3be2-46de-8624-2eb35882fcaa';
const GIT_AREA = '4e080c62-fa21-4fbc-8fef-2a10a2b38049';
const THREADS = 'ab6e2e5d-a0b7-4153-b64a-a4efe0d49449';
const COMMENTS = '965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b';

/**
 * Azure DevOps Services on loopback HTTP, for one organization (`/fabrikam`): what `azure-devops-node-api` asks
 * before its first call (the Location area's resource locations, the resource areas, the git area's locations,
 * answered with OPTIONS as the service does) and the pull request threads of one repository: list, create, update
 * a comment. Unknown bearer tokens get 401, tokens without Contribute to pull requests get the service's 403.
 */
export async function startFakeAzureDevOps(options: FakeAzureDevOpsOptions): Promise<FakeAzureDevOps> {
  const threads: FakeThread[] = [];
  const requests: FakeAzureDevOps['requests'] = [];
  let nextId = 1;
  let origin = '';
  const collection = '/fabrikam';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    requests.push({ method: req.method ?? '', path: url.pathname, token });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8; api-version=7.2-preview.1' });
      res.end(JSON.stringify(body));
    };
    if (!token || !options.knownTokens.includes(token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/' });
      return res.end();
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'OPTIONS' && path === `${collection}/_apis/Location`) {
      return send(200, list([location(LOCATION_AREA, 'Location', 'ResourceAreas', '_apis/{resource}/{areaId}')]));
    }
    if (req.method === 'GET' && path === `${collection}/_apis/ResourceAreas`) {
      return send(200, list([{ id: GIT_AREA, name: 'git', locationUrl: `${origin}${collection}/` }]));
    }
    if (req.method === 'OPTIONS' && path === `${collection}/_apis/git`) {
      const prefix = '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}';
      return send(
        200,
        list([
          location(THREADS, 'git', 'threads', `${prefix}/{resource}/{threadId}`),
          location(COMMENTS, 'git', 'comments', `${prefix}/threads/{threadId}/{resource}/{commentId}`),
        ]),
      );
    }
    const base = `${collection}/${options.project}/_apis/git/repositories/${options.repositoryId}/pullRequests/(\\d+)/threads`;
    const threadList = new RegExp(`^${base}$`, 'i').exec(path);
    const comment = new RegExp(`^${base}/(\\d+)/comments/(\\d+)$`, 'i').exec(path);
    if (threadList && req.method === 'GET')
      return send(200, list(threads.filter((t) => t.pullRequest === Number(threadList[1]))));
    if ((threadList && req.method === 'POST') || (comment && req.method === 'PATCH')) {
      if (!options.writeTokens.includes(token)) {
        return send(403, {
          $id: '1',
          message:
            "TF401027: You need the Git 'PullRequestContribute' permission to perform this action. Details: identity 'Build\\\\fabrikam Build Service', scope 'repository'.",
          typeName:
            'Microsoft.TeamFoundation.Git.Server.GitNeedsPermissionException, Microsoft.TeamFoundation.Git.Server',
          typeKey: 'GitNeedsPermissionException',
          errorCode: 0,
        });
      }
      const body = JSON.parse(await readBody(req)) as {
        content?: string;
        status?: number;
        comments?: { content: string }[];
      };
      if (threadList) {
        const thread: FakeThread = {
          id: nextId++,
          pullRequest: Number(threadList[1]),
          status: body.status ?? 1,
          comments: (body.comments ?? []).map((c) => ({ id: 1, content: c.content, edits: 0 })),
        };
        threads.push(thread);
        return send(200, thread);
      }
      const thread = threads.find((t) => t.pullRequest === Number(comment![1]) && t.id === Number(comment![2]));
      const target = thread?.comments.find((c) => c.id === Number(comment![3]));
      if (!target) return send(404, { message: 'TF401180: The requested pull request comment was not found.' });
      target.content = body.content ?? target.content;
      target.edits++;
      return send(200, target);
    }
    send(404, { message: `No route for ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    collectionUri: `${origin}${collection}/`,
    threads,
    requests,
    on: (pullRequest) => threads.filter((t) => t.pullRequest === pullRequest),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function list(value: unknown[]) {
  return { count: value.length, value };
}

function location(id: string, area: string, resourceName: string, routeTemplate: string) {
  return {
    id,
    area,
    resourceName,
    routeTemplate,
    resourceVersion: 1,
    minVersion: '1.0',
    maxVersion: '7.2',
    releasedVersion: '7.1',
  };
}
