import { getBearerHandler, WebApi } from 'azure-devops-node-api';
import { CommentThreadStatus, CommentType } from 'azure-devops-node-api/interfaces/GitInterfaces.js';
import { statusOf } from '../../engine/failures.js';
import type { CommentOutcome, PullRequestCommenter } from '../../deploy/pr-comment/poster.js';

export interface AzureReposTarget {
  /** System.CollectionUri, e.g. https://dev.azure.com/fabrikam/ */
  collectionUri: string;
  /** System.TeamProjectId (or its name). */
  project: string;
  /** Build.Repository.ID */
  repositoryId: string;
  /** The job's access token (System.AccessToken); empty when the agent did not pass one. */
  token: string;
}

const PERMISSION_HINT =
  'Allow the pipeline\'s build service ("<project> Build Service (<organization>)") to *Contribute to pull requests* on the repository (Project settings > Repositories > Security). The preview URL is still in the output variable previewUrl and the summary.';

/**
 * The pull request's one thread through the Azure DevOps REST API (`azure-devops-node-api`, with the job's access
 * token): the thread whose first comment carries the marker, its comment updated in place, created only when there
 * is none. Created as closed, so a "comments must be resolved" policy never waits for it.
 */
export function azureReposCommenter(target: AzureReposTarget): PullRequestCommenter {
  return {
    async upsert(pullRequest, marker, body): Promise<CommentOutcome> {
      if (!target.token) {
        return {
          status: 'skipped',
          warning: `The job has no access token (System.AccessToken), so pull request ${pullRequest} got no comment thread. ${PERMISSION_HINT}`,
        };
      }
      const { repositoryId, project } = target;
      try {
        const git = await new WebApi(target.collectionUri, getBearerHandler(target.token)).getGitApi();
        const threads = await git.getThreads(repositoryId, pullRequest, project);
        // The client answers a 404 with no result rather than an error.
        if (!threads)
          throw Object.assign(new Error('the pull request or repository was not found'), { statusCode: 404 });
        const thread = threads.find((t) => t.comments?.[0]?.content?.includes(marker));
        const first = thread?.comments?.[0];
        if (thread?.id !== undefined && first?.id !== undefined) {
          await git.updateComment({ content: body }, repositoryId, pullRequest, thread.id, first.id, project);
          return { status: 'updated' };
        }
        await git.createThread(
          {
            comments: [{ parentCommentId: 0, content: body, commentType: CommentType.Text }],
            status: CommentThreadStatus.Closed,
          },
          repositoryId,
          pullRequest,
          project,
        );
        return { status: 'created' };
      } catch (error) {
        const status = statusOf(error);
        const answer = `Azure DevOps answered ${status ?? 'with an error'}: ${(error as Error).message}`;
        if (status === 401 || status === 403) {
          return {
            status: 'skipped',
            warning: `The job's access token may not comment on pull request ${pullRequest} (${answer}). ${PERMISSION_HINT}`,
          };
        }
        return { status: 'skipped', warning: `Could not comment on pull request ${pullRequest} (${answer}).` };
      }
    },
  };
}

/** The commenter for a repository hosted elsewhere (GitHub, Bitbucket): it only says why there is no thread. */
export function otherProviderCommenter(provider: string): PullRequestCommenter {
  return {
    upsert: async () => ({
      status: 'skipped',
      note: `The repository is hosted on ${provider || 'another service'}, not in Azure Repos, so no pull request thread was written.`,
    }),
  };
}
