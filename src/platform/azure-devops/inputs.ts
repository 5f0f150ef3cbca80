import path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import { downloadEndpoint, isContainerUrl } from '../../auth/urls.js';
import { recoverUrl } from './recover-url.js';
import type { RawPreviewOptions } from '../../deploy/preview/options.js';
import { UsageError } from '../../engine/errors.js';
import type { RunRequest } from '../run.js';
import { quietly } from './quiet.js';

export const AUTHENTICATION_TYPES = ['serviceConnection', 'sasToken', 'connectionString'] as const;
export type AuthenticationType = (typeof AUTHENTICATION_TYPES)[number];

/** The inputs that say where to sync and how to sign in (everything but the sync options). */
export interface AuthInputs {
  authenticationType: AuthenticationType;
  /** The service connection's id (the agent passes the id even when YAML names the connection). */
  serviceConnection: string;
  storageAccount: string;
  blobEndpoint: string;
  sasToken: string;
  connectionString: string;
}

export interface TaskInputs extends Omit<RunRequest, 'signIn' | 'managementSignIn' | 'preview'> {
  auth: AuthInputs;
  deploy: { purgeEndpoint: string; managementEndpoint: string };
  preview: RawPreviewOptions;
}

/**
 * Reads the task's inputs (camelCase, as declared in task.json) into the same raw options the CLI and the Action
 * build, so all three resolve through `resolveSyncOptions` with the same meanings and defaults.
 */
export function readTaskInputs(): TaskInputs {
  // Read quietly: a container URL given as the source may carry a SAS, masked only once read.
  const source = recoverUrl(
    quietly(() => required('sourcePath', 'the folder to sync, e.g. $(Build.ArtifactStagingDirectory)/site')),
  );
  const downloadTo = text('downloadTo');
  // A download's source URL names the container (and, without other inputs, the account).
  const container = downloadTo
    ? text('containerName')
    : required('containerName', 'the blob container, e.g. $web for a static website');
  // Relative paths are relative to the checkout, as in every other task of the job.
  const workingDirectory = tl.getVariable('System.DefaultWorkingDirectory') || process.cwd();
  const authentication = authenticationType();
  const storageAccount = text('storageAccount');
  const blobEndpoint = text('blobEndpoint');
  return {
    container,
    timeout: text('timeout'),
    sourceSasToken: secretText('sourceSasToken'),
    auth: {
      authenticationType: authentication,
      serviceConnection: text('azureSubscription'),
      storageAccount,
      blobEndpoint:
        downloadTo && !storageAccount && !blobEndpoint && authentication !== 'connectionString'
          ? downloadEndpoint(source)
          : blobEndpoint,
      sasToken: secretText('sasToken'),
      connectionString: secretText('connectionString'),
    },
    deploy: { purgeEndpoint: text('purgeEndpoint'), managementEndpoint: text('managementEndpoint') },
    sync: {
      source: isContainerUrl(source) ? source : path.resolve(workingDirectory, source),
      destinationPath: text('destinationPath'),
      include: lines('include'),
      exclude: lines('exclude'),
      compare: text('compare') || undefined,
      deleteDestination: booleanInput('deleteDestination'),
      deleteThreshold: text('deleteThreshold') || undefined,
      force: booleanInput('force'),
      dryRun: booleanInput('dryRun'),
      concurrency: text('concurrency') || undefined,
      capMbps: text('capMbps') || undefined,
      contentType: lines('contentType'),
      cacheControl: lines('cacheControl'),
      accessTier: text('accessTier') || undefined,
      createContainer: booleanInput('createContainer'),
      followSymlinks: booleanInput('followSymlinks'),
      immutable: booleanInput('immutable'),
      // Relative to the checkout, as the source is.
      hashCache: text('hashCache') ? path.resolve(workingDirectory, text('hashCache')) : undefined,
      shard: shardInput(),
      compress: lines('compress'),
      deleteGrace: text('deleteGrace') || undefined,
      downloadTo: downloadTo && path.resolve(workingDirectory, downloadTo),
    },
    preview: {
      enabled: booleanInput('preview'),
      path: text('previewPath'),
      siteUrl: text('siteUrl'),
      retention: text('previewRetention'),
    },
  };
}

function text(name: string): string {
  return tl.getInput(name, false)?.trim() ?? '';
}

/** A secret input, read without task-lib's debug line that would print it. */
function secretText(name: string): string {
  return quietly(() => tl.getInput(name, false)?.trim() ?? '');
}

function required(name: string, what: string): string {
  const value = text(name);
  if (!value) {
    throw new UsageError(`The input "${name}" is required but was not given.`, `Set \`${name}:\` to ${what}.`);
  }
  return value;
}

function lines(name: string): string[] {
  return (tl.getInput(name, false) ?? '').split(/\r?\n/).filter((line) => line.trim() !== '');
}

function authenticationType(): AuthenticationType {
  const value = text('authenticationType') || 'serviceConnection';
  const match = AUTHENTICATION_TYPES.find((type) => type.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw new UsageError(
      `Unknown authenticationType "${value}".`,
      `Use one of ${AUTHENTICATION_TYPES.join(', ')} (serviceConnection, with workload identity federation, needs no secret).`,
    );
  }
  return match;
}

/** The agent passes booleans as "true"/"false"; an empty input means "use the default". */
function booleanInput(name: string): boolean | undefined {
  const value = text(name);
  if (value === '') return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new UsageError(`The input "${name}" must be true or false, not "${value}".`, `Write \`${name}: true\`.`);
}

/**
 * `auto` is the job's slice of a `parallel: N` job: System.JobPositionInPhase (1-based) of System.TotalJobsInPhase.
 */
function shardInput(): string | undefined {
  const value = text('shard');
  if (value.toLowerCase() !== 'auto') return value || undefined;
  const position = tl.getVariable('System.JobPositionInPhase');
  const total = tl.getVariable('System.TotalJobsInPhase');
  if (!position || !total) {
    throw new UsageError(
      'shard is auto, but this job is not sliced (System.JobPositionInPhase and System.TotalJobsInPhase are not set).',
      'Give the job `strategy: parallel: N`, or write the shard as K/N.',
    );
  }
  return `${position}/${total}`;
}
