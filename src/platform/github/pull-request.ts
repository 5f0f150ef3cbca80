import { context, getOctokit } from '@actions/github';
import type { GithubRepository } from './pr-comment.js';
import type { PullRequestContext } from '../../deploy/pr-comment/poster.js';
import { GuardError, UsageError } from '../../engine/errors.js';
import { statusOf } from '../../engine/failures.js';

/** The events whose run builds a pull request (and so deploys its preview). */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

interface WorkflowRun {
  event?: string;
  head_sha?: string;
  pull_requests?: { number?: number }[];
}

/**
 * The pull request this run builds, from the event (`GITHUB_EVENT_NAME`, the payload at `GITHUB_EVENT_PATH`);
 * undefined on any other event, which syncs production. A `workflow_run` after a pull request's build (the safe
 * pattern for forks) deploys that pull request's preview: its number from the event or the `pull-request` input,
 * checked against the API so that the build's artifact cannot redirect the deploy to another pull request.
 */
export async function githubPullRequest(
  token: string,
  pullRequestInput: string,
): Promise<PullRequestContext | undefined> {
  const { eventName, payload } = context;
  if (PULL_REQUEST_EVENTS.has(eventName)) {
    const pullRequest = payload.pull_request;
    if (typeof pullRequest?.number !== 'number') return undefined;
    const head = pullRequest.head as { sha?: string } | undefined;
    return { number: pullRequest.number, closed: payload.action === 'closed', commit: head?.sha };
  }
  const run = payload.workflow_run as WorkflowRun | undefined;
  if (eventName !== 'workflow_run' || !run?.event || !PULL_REQUEST_EVENTS.has(run.event)) return undefined;
  return workflowRunPullRequest(token, run, pullRequestInput);
}

async function workflowRunPullRequest(token: string, run: WorkflowRun, input: string): Promise<PullRequestContext> {
  const number = run.pull_requests?.[0]?.number ?? (/^\d+$/.test(input.trim()) ? Number(input) : undefined);
  if (!number) {
    throw new UsageError(
      `This workflow_run follows a pull request build, but GitHub passed no pull request number${input ? ` and "${input}" is none` : ''} (it passes none for pull requests from forks).`,
      'Have the build save its `github.event.number` in its artifact and pass it as `pull-request:` (see docs/previews.md, "Pull requests from forks").',
    );
  }
  let pull: { state: string; head: { sha: string } };
  try {
    ({ data: pull } = await getOctokit(token).rest.pulls.get({ ...context.repo, pull_number: number }));
  } catch (error) {
    throw new UsageError(
      `Could not read pull request #${number} (GitHub answered ${statusOf(error) ?? (error as { status?: number }).status ?? 'with an error'}: ${(error as Error).message}).`,
      'Give the deploy job `permissions: pull-requests: write` (it reads the pull request, then comments on it) and check the number.',
    );
  }
  if (pull.head.sha !== run.head_sha) {
    throw new GuardError(
      `Pull request #${number} is at ${pull.head.sha.slice(0, 12)}, not at ${String(run.head_sha).slice(0, 12)}, the commit this run's build built. Nothing was changed.`,
      "A newer commit was pushed (its own run deploys it), or the number is not this build's pull request.",
    );
  }
  return { number, closed: pull.state === 'closed', commit: run.head_sha };
}

/** owner/repo from GITHUB_REPOSITORY (or the payload). */
export function githubRepository(): GithubRepository {
  return context.repo;
}
