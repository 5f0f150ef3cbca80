import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body.js';

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  /** How often it was edited after it was created. */
  edits: number;
}

export interface ApiRequest {
  method: string;
  path: string;
  /** The Authorization header's token, if any. */
  token?: string;
}

export interface FakeGithubApi {
  /** GITHUB_API_URL for the runner's environment. */
  url: string;
  comments: FakeComment[];
  /** Pull requests GET /pulls/{number} answers with: state and head commit. */
  pulls: Map<number, { state: 'open' | 'closed'; headSha: string }>;
  requests: ApiRequest[];
  /** The comments on one pull request (issue), in order. */
  on(issue: number): FakeComment[];
  stop(): Promise<void>;
}

export interface FakeGithubApiOptions {
  /** Tokens that may write comments; any other token reads only (a fork's token): 403 on writes. */
  writeTokens: string[];
  repository: string;
  /** Comments per page the fake returns at most (GitHub's `per_page` cap is 100). */
  pageSize?: number;
}

/**
 * GitHub's REST API for issue comments on loopback HTTP, as a GitHub Enterprise Server would answer under
 * GITHUB_API_URL: list (paginated with a `Link` header), create, update; and reading a pull request. A token not in `writeTokens` gets GitHub's
 * 403 "Resource not accessible by integration" on writes; no token gets 401.
 */
export async function startFakeGithubApi(options: FakeGithubApiOptions): Promise<FakeGithubApi> {
  const comments: FakeComment[] = [];
  const pulls: FakeGithubApi['pulls'] = new Map();
  const requests: ApiRequest[] = [];
  let nextId = 1000;
  const base = `/repos/${options.repository}`;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    requests.push({ method: req.method ?? '', path: url.pathname, token });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!token) return send(401, { message: 'Requires authentication', status: '401' });
    const writable = options.writeTokens.includes(token);
    const list = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname);
    const one = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname);
    const pull = new RegExp(`^${base}/pulls/(\\d+)$`).exec(url.pathname);
    if (pull && req.method === 'GET') {
      const found = pulls.get(Number(pull[1]));
      if (!found) return send(404, { message: 'Not Found', status: '404' });
      return send(200, { number: Number(pull[1]), state: found.state, head: { sha: found.headSha } });
    }
    if (list && req.method === 'GET') {
      const issue = Number(list[1]);
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), options.pageSize ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = comments.filter((c) => c.issue === issue);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<http://${req.headers.host}${next.pathname}${next.search}>; rel="next"`;
      }
      return send(200, slice.map(view), headers);
    }
    if ((list && req.method === 'POST') || (one && req.method === 'PATCH')) {
      if (!writable) {
        return send(403, {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/issues/comments',
          status: '403',
        });
      }
      const { body } = JSON.parse(await readBody(req)) as { body: string };
      if (list) {
        const comment = { id: nextId++, issue: Number(list[1]), body, edits: 0 };
        comments.push(comment);
        return send(201, view(comment));
      }
      const comment = comments.find((c) => c.id === Number(one![1]));
      if (!comment) return send(404, { message: 'Not Found', status: '404' });
      comment.body = body;
      comment.edits++;
      return send(200, view(comment));
    }
    send(404, { message: 'Not Found', status: '404' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    pulls,
    requests,
    on: (issue) => comments.filter((c) => c.issue === issue),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function view(comment: FakeComment) {
    return {
      id: comment.id,
      body: comment.body,
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: `https://github.example/${options.repository}/pull/${comment.issue}#issuecomment-${comment.id}`,
    };
  }
}
