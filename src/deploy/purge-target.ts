import { UsageError } from '../engine/errors.js';

/** A Front Door (Standard/Premium) endpoint or an Azure CDN endpoint, taken from its ARM resource ID. */
export interface PurgeTarget {
  /** The resource ID as given (for logs). */
  id: string;
  kind: 'front-door' | 'cdn';
  subscriptionId: string;
  resourceGroup: string;
  profile: string;
  endpoint: string;
}

const RESOURCE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Cdn\/profiles\/([^/]+)\/(afdEndpoints|endpoints)\/([^/]+)$/i;

/**
 * `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Cdn/profiles/<profile>/afdEndpoints/<endpoint>` (Front
 * Door) or `…/profiles/<profile>/endpoints/<endpoint>` (Azure CDN). ARM IDs are case-insensitive.
 */
export function parsePurgeTarget(value: string): PurgeTarget {
  const id = value.trim().replace(/\/+$/, '');
  const match = RESOURCE_ID.exec(id);
  if (!match) {
    throw new UsageError(
      (t) => `${t.name('purgeEndpoint')} "${value}" is not the resource ID of a Front Door or CDN endpoint.`,
      'Give e.g. /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Cdn/profiles/<profile>/afdEndpoints/<endpoint> (Front Door Standard/Premium) or …/profiles/<profile>/endpoints/<endpoint> (Azure CDN); `az afd endpoint show … --query id` prints it.',
    );
  }
  const [, subscriptionId, resourceGroup, profile, type, endpoint] = match;
  return {
    id,
    kind: type!.toLowerCase() === 'afdendpoints' ? 'front-door' : 'cdn',
    subscriptionId: subscriptionId!,
    resourceGroup: resourceGroup!,
    profile: profile!,
    endpoint: endpoint!,
  };
}
