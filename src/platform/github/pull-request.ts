import { context } from '@actions/github';
import type { PullRequestContext } from '../../deploy/pr-comment/poster.js';
import type { GithubRepository } from '../../deploy/pr-comment/github.js';

/** The events whose run builds a pull request (and so deploys its preview). */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/**
 * The pull request this run builds, from the event (`GITHUB_EVENT_NAME`, the payload at `GITHUB_EVENT_PATH`);
 * undefined on any other event, which syncs production.
 */
export function githubPullRequest(): PullRequestContext | undefined {
  if (!PULL_REQUEST_EVENTS.has(context.eventName)) return undefined;
  const pullRequest = context.payload.pull_request;
  if (typeof pullRequest?.number !== 'number') return undefined;
  const head = pullRequest.head as { sha?: string } | undefined;
  return { number: pullRequest.number, closed: context.payload.action === 'closed', commit: head?.sha };
}

/** owner/repo from GITHUB_REPOSITORY (or the payload). */
export function githubRepository(): GithubRepository {
  return context.repo;
}
