import { getOctokit } from '@actions/github';
import { statusOf } from '../../engine/failures.js';
import type { CommentOutcome, PullRequestCommenter } from '../../deploy/pr-comment/poster.js';

export interface GithubRepository {
  owner: string;
  repo: string;
}

const PERMISSION_HINT =
  'Give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: see docs/previews.md, "Pull requests from forks", for the workflow_run pattern). The preview URL is still in the step output `preview-url` and the job summary.';

/**
 * The pull request's one comment through the REST API (`@actions/github`, which honours GITHUB_API_URL for GitHub
 * Enterprise Server): an issue comment carrying the marker, updated in place, created only when there is none.
 */
export function githubCommenter(token: string, repository: GithubRepository): PullRequestCommenter {
  return {
    async upsert(pullRequest, marker, body): Promise<CommentOutcome> {
      if (!token) {
        return {
          status: 'skipped',
          warning: `No \`github-token\`, so pull request #${pullRequest} got no comment. ${PERMISSION_HINT}`,
        };
      }
      const octokit = getOctokit(token);
      const target = { ...repository, issue_number: pullRequest };
      try {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...target, per_page: 100 });
        const existing = comments.find((comment) => comment.body?.includes(marker));
        if (existing) {
          await octokit.rest.issues.updateComment({ ...repository, comment_id: existing.id, body });
          return { status: 'updated' };
        }
        await octokit.rest.issues.createComment({ ...target, body });
        return { status: 'created' };
      } catch (error) {
        const status = statusOf(error) ?? (error as { status?: number }).status;
        const answer = `GitHub answered ${status ?? 'with an error'}: ${(error as Error).message}`;
        if (status === 401 || status === 403 || status === 404) {
          return {
            status: 'skipped',
            warning: `The token may not comment on pull request #${pullRequest} (${answer}). ${PERMISSION_HINT}`,
          };
        }
        return { status: 'skipped', warning: `Could not comment on pull request #${pullRequest} (${answer}).` };
      }
    },
  };
}
