import * as tl from 'azure-pipelines-task-lib/task.js';
import { azureReposCommenter, otherProviderCommenter } from './pr-comment.js';
import type { PullRequestCommenter, PullRequestContext } from '../../deploy/pr-comment/poster.js';
import { quietly } from './quiet.js';

/**
 * The pull request a pull-request build (`Build.Reason` PullRequest) builds; undefined for any other build, which
 * syncs production. Azure Pipelines has no run for a closed pull request, so `closed` is never set: retention
 * removes its preview.
 */
export function azurePullRequest(): PullRequestContext | undefined {
  if (tl.getVariable('Build.Reason') !== 'PullRequest') return undefined;
  // A GitHub repository's pull request is known by its number; Azure Repos' by its id.
  const number = Number(
    tl.getVariable('System.PullRequest.PullRequestNumber') || tl.getVariable('System.PullRequest.PullRequestId'),
  );
  if (!Number.isInteger(number) || number <= 0) return undefined;
  const commit = tl.getVariable('System.PullRequest.SourceCommitId') || tl.getVariable('Build.SourceVersion');
  return { number, closed: false, commit: commit || undefined };
}

/**
 * The pull request's thread, written with the job's access token: `SYSTEM_ACCESSTOKEN` when the pipeline maps it,
 * else the system connection's, masked before anything can print it. Repositories outside Azure Repos get none.
 */
export function azureCommenter(env: NodeJS.ProcessEnv): PullRequestCommenter {
  const provider = tl.getVariable('Build.Repository.Provider') ?? '';
  if (provider !== 'TfsGit') return otherProviderCommenter(provider);
  const token = env.SYSTEM_ACCESSTOKEN || quietly(() => systemConnectionToken()) || '';
  if (token) tl.setSecret(token);
  return azureReposCommenter({
    collectionUri: tl.getVariable('System.CollectionUri') || tl.getVariable('System.TeamFoundationCollectionUri') || '',
    project: tl.getVariable('System.TeamProjectId') || tl.getVariable('System.TeamProject') || '',
    repositoryId: tl.getVariable('Build.Repository.ID') || '',
    token,
  });
}

function systemConnectionToken(): string | undefined {
  const parameters = tl.getEndpointAuthorization('SYSTEMVSSCONNECTION', true)?.parameters ?? {};
  return Object.entries(parameters).find(([key]) => key.toLowerCase() === 'accesstoken')?.[1];
}
