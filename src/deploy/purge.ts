import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { briefIdentityError } from '../auth/identity-errors.js';
import { PurgeError, SyncError } from '../engine/errors.js';
import { statusOf } from '../engine/failures.js';
import { formatDuration } from '../report/format.js';
import type { PurgeTarget } from './purge-target.js';

export interface PurgeRequest {
  target: PurgeTarget;
  paths: readonly string[];
  credential: TokenCredential;
  /** Resource Manager endpoint (https origin). */
  managementEndpoint: string;
  /** The HTTPS agent to send through; the default trusts the system's CAs and NODE_EXTRA_CA_CERTS. */
  agent?: Agent;
}

export interface PurgeWait {
  /** How long to wait for the purge (an ARM long-running operation) before failing the run. */
  timeoutMs: number;
  /** A progress line at most this often while waiting. */
  progressEveryMs: number;
  /** Polls this often unless the service says otherwise (Retry-After). */
  pollIntervalMs: number;
  log(line: string): void;
}

/** Front Door purges take minutes; 20 minutes covers the slow ones without letting a stuck job run on for hours. */
export const PURGE_WAIT: Omit<PurgeWait, 'log'> = {
  timeoutMs: 20 * 60_000,
  progressEveryMs: 15_000,
  pollIntervalMs: 5_000,
};

/**
 * Purges the paths on the endpoint through Resource Manager with the official SDK, and waits for the long-running
 * operation (Azure-AsyncOperation polling) up to the time limit, with a progress line now and then. Every failure is a
 * PurgeError that says what to check, with the role the identity needs when Resource Manager refused.
 */
export async function purgeEndpoint(request: PurgeRequest, wait: PurgeWait): Promise<{ durationMs: number }> {
  const { target, paths } = request;
  // Loaded only for a purge: evaluating the client and its models would slow every run's start-up.
  const { CdnManagementClient } = await import('@azure/arm-cdn');
  const client = new CdnManagementClient(request.credential, target.subscriptionId, {
    endpoint: request.managementEndpoint,
    userAgentOptions: { userAgentPrefix: 'azure-blob-sync' },
    agent: request.agent,
  });
  const started = Date.now();
  const what = `${paths.length} path${paths.length === 1 ? '' : 's'} on ${target.kind === 'front-door' ? 'Front Door' : 'CDN'} endpoint ${target.endpoint}`;
  wait.log(`Purging ${what} (waiting up to ${formatDuration(wait.timeoutMs)})`);
  const abortSignal = AbortSignal.timeout(wait.timeoutMs);
  try {
    const options = { updateIntervalInMs: wait.pollIntervalMs, abortSignal };
    const contents = { contentPaths: [...paths] };
    const operations = target.kind === 'front-door' ? client.afdEndpoints : client.endpoints;
    const poller = await operations.beginPurgeContent(
      target.resourceGroup,
      target.profile,
      target.endpoint,
      contents,
      options,
    );
    let lastLine = started;
    poller.onProgress((state) => {
      const now = Date.now();
      if (now - lastLine < wait.progressEveryMs) return;
      lastLine = now;
      wait.log(`Purge still running after ${formatDuration(now - started)} (${state.status})`);
    });
    await poller.pollUntilDone({ abortSignal });
  } catch (error) {
    throw explain(error, request, abortSignal.aborted ? wait.timeoutMs : undefined);
  }
  const durationMs = Date.now() - started;
  wait.log(`Purged ${what} in ${formatDuration(durationMs)}`);
  return { durationMs };
}

/** The role that lets an identity purge this kind of endpoint. */
export function purgeRole(target: PurgeTarget): string {
  return target.kind === 'front-door'
    ? `CDN Profile Contributor on the Front Door profile ${target.profile}`
    : `CDN Endpoint Contributor on the endpoint ${target.endpoint} (or CDN Profile Contributor on the profile ${target.profile})`;
}

function explain(error: unknown, request: PurgeRequest, timedOutAfterMs: number | undefined): PurgeError {
  const { target } = request;
  const reason = briefIdentityError(error);
  const synced = 'The sync itself completed.';
  if (timedOutAfterMs !== undefined) {
    return new PurgeError(
      `The purge of ${target.id} did not finish within ${formatDuration(timedOutAfterMs)}. ${synced}`,
      'Azure goes on with it; check the endpoint in the portal, and purge again if it failed there.',
    );
  }
  if (error instanceof SyncError) {
    return new PurgeError(
      `The purge could not sign in to Azure Resource Manager: ${error.message} ${synced}`,
      error.hint,
    );
  }
  const status = statusOf(error);
  const code = (error as { code?: string }).code;
  const role = `The identity needs ${purgeRole(target)}; new role assignments can take a few minutes to apply.`;
  if (status === 401 || status === 403) {
    return new PurgeError(
      `Azure Resource Manager refused the purge of ${target.id} (${status}${code ? ` ${code}` : ''}: ${reason}). ${synced}`,
      role,
    );
  }
  if (status === 404) {
    return new PurgeError(
      `Azure Resource Manager found no endpoint ${target.id} (404${code ? ` ${code}` : ''}). ${synced}`,
      (t) =>
        `Check ${t.name('purgeEndpoint')}: the subscription, resource group, profile and endpoint names, and whether it is a Front Door (afdEndpoints) or CDN (endpoints) endpoint.`,
    );
  }
  if (status === undefined && !/failed|Failed|Canceled/.test(reason)) {
    return new PurgeError(
      `Could not reach Azure Resource Manager at ${request.managementEndpoint} to purge (${reason}). ${synced}`,
      (t) => `Check the network or proxy, and ${t.name('managementEndpoint')} for a sovereign cloud.`,
    );
  }
  return new PurgeError(`The purge of ${target.id} failed (${reason}). ${synced}`, role);
}
