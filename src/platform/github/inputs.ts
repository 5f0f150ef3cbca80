import path from 'node:path';
import * as core from '@actions/core';
import { downloadEndpoint, isContainerUrl } from '../../auth/urls.js';
import type { RawPreviewOptions } from '../../deploy/preview/options.js';
import { UsageError } from '../../engine/errors.js';
import type { RunRequest } from '../run.js';

/** The inputs that say where to sync and how to sign in (everything but the sync options). */
export interface AuthInputs {
  storageAccount: string;
  blobEndpoint: string;
  clientId: string;
  tenantId: string;
  audience: string;
  authorityHost: string;
  sasToken: string;
  connectionString: string;
  accountKey: string;
}

export interface ActionInputs extends Omit<RunRequest, 'signIn' | 'managementSignIn' | 'preview'> {
  auth: AuthInputs;
  deploy: { purgeEndpoint: string; managementEndpoint: string };
  preview: RawPreviewOptions;
  /** For the pull request comment; action.yml defaults it to the job's token. */
  githubToken: string;
  /** The pull request a `workflow_run` deploys, when the event does not name it (a fork's). */
  pullRequestInput: string;
}

/** Inputs that carry a secret; masked before anything else is read or logged. */
export const SECRET_INPUTS = [
  'sas-token',
  'connection-string',
  'account-key',
  'github-token',
  'source-sas-token',
] as const;

export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * Reads the step's inputs (kebab-case, as declared in action.yml) into the same raw options the CLI builds from its
 * flags, so both resolve through `resolveSyncOptions` with the same meanings and defaults.
 */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const source = required('source');
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const downloadTo = core.getInput('download-to');
  const storageAccount = core.getInput('storage-account');
  const blobEndpoint = core.getInput('blob-endpoint');
  // A download's source URL names the container and, without other inputs, the account.
  const endpointFromSource = downloadTo && !storageAccount && !blobEndpoint && !core.getInput('connection-string');
  return {
    container: downloadTo ? core.getInput('container') : required('container'),
    timeout: core.getInput('timeout'),
    sourceSasToken: core.getInput('source-sas-token'),
    auth: {
      storageAccount,
      blobEndpoint: endpointFromSource ? downloadEndpoint(source) : blobEndpoint,
      clientId: core.getInput('client-id'),
      tenantId: core.getInput('tenant-id'),
      audience: core.getInput('audience') || DEFAULT_AUDIENCE,
      authorityHost: core.getInput('authority-host'),
      sasToken: core.getInput('sas-token'),
      connectionString: core.getInput('connection-string'),
      accountKey: core.getInput('account-key'),
    },
    deploy: {
      purgeEndpoint: core.getInput('purge-endpoint'),
      managementEndpoint: core.getInput('management-endpoint'),
    },
    sync: {
      // Relative sources are relative to the checkout, as in every other step of the job; a container URL is kept.
      source: isContainerUrl(source) ? source : path.resolve(workspace, source),
      destinationPath: core.getInput('destination-path'),
      include: core.getMultilineInput('include'),
      exclude: core.getMultilineInput('exclude'),
      compare: core.getInput('compare') || undefined,
      deleteDestination: booleanInput('delete-destination'),
      deleteThreshold: core.getInput('delete-threshold') || undefined,
      force: booleanInput('force'),
      dryRun: booleanInput('dry-run'),
      concurrency: core.getInput('concurrency') || undefined,
      capMbps: core.getInput('cap-mbps') || undefined,
      contentType: core.getMultilineInput('content-type'),
      cacheControl: core.getMultilineInput('cache-control'),
      accessTier: core.getInput('access-tier') || undefined,
      createContainer: booleanInput('create-container'),
      shard: core.getInput('shard') || undefined,
      compress: core.getMultilineInput('compress'),
      deleteGrace: core.getInput('delete-grace') || undefined,
      followSymlinks: booleanInput('follow-symlinks'),
      downloadTo: downloadTo && path.resolve(workspace, downloadTo),
      immutable: booleanInput('immutable'),
      // Relative to the checkout, as the source is.
      hashCache: resolvedPath(core.getInput('hash-cache'), workspace),
    },
    preview: {
      enabled: booleanInput('preview'),
      path: core.getInput('preview-path'),
      siteUrl: core.getInput('site-url'),
      retention: core.getInput('preview-retention'),
    },
    githubToken: core.getInput('github-token'),
    pullRequestInput: core.getInput('pull-request'),
  };
}

function resolvedPath(value: string, workspace: string): string | undefined {
  return value ? path.resolve(workspace, value) : undefined;
}

function required(name: string): string {
  const value = core.getInput(name);
  if (!value) {
    throw new UsageError(`The input "${name}" is required but was not given.`, `Add \`${name}:\` under \`with:\`.`);
  }
  return value;
}

/** YAML 1.2 booleans as the runner passes them; an empty input means "use the default". */
function booleanInput(name: string): boolean | undefined {
  const value = core.getInput(name);
  if (value === '') return undefined;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  throw new UsageError(`The input "${name}" must be true or false, not "${value}".`, `Write \`${name}: true\`.`);
}
