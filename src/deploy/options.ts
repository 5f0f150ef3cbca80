import { UsageError } from '../engine/errors.js';
import { parseManagementEndpoint } from './management-endpoint.js';
import { parsePurgeTarget, type PurgeTarget } from './purge-target.js';

/** The deploy steps' inputs as every entry point reads them (text, before validation). */
export interface RawDeployOptions {
  /** ARM ID of the Front Door or CDN endpoint to purge after a sync that changed something. */
  purgeEndpoint?: string;
  /** Resource Manager endpoint for the purge; by default the sign-in's cloud. */
  managementEndpoint?: string;
}

export interface DeployOptions {
  purge?: { target: PurgeTarget; managementEndpoint?: string };
}

export function resolveDeployOptions(raw: RawDeployOptions): DeployOptions {
  const purgeEndpoint = raw.purgeEndpoint?.trim();
  const managementEndpoint = raw.managementEndpoint?.trim();
  if (!purgeEndpoint) {
    if (managementEndpoint) {
      throw new UsageError(
        (t) => `${t.name('managementEndpoint')} is set, but there is no ${t.name('purgeEndpoint')} to purge.`,
        (t) => `Add ${t.name('purgeEndpoint')} (the Front Door or CDN endpoint's resource ID), or leave both out.`,
      );
    }
    return {};
  }
  return {
    purge: {
      target: parsePurgeTarget(purgeEndpoint),
      managementEndpoint: managementEndpoint ? parseManagementEndpoint(managementEndpoint) : undefined,
    },
  };
}
