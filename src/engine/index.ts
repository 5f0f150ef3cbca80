export { sync, type SyncTarget } from './sync.js';
export { resolveSyncOptions, splitPatterns, DEFAULTS, type RawSyncOptions } from './options.js';
export * from './errors.js';
export * from './types.js';
export { redact } from './redact.js';
export { validateContainerName, normalizeDestinationPath } from './names.js';
