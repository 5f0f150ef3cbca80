import { connectContainer, parseTryTimeout } from '../../auth/client.js';
import { describeError, ExitCode, SyncError } from '../../engine/errors.js';
import { resolveSyncOptions } from '../../engine/options.js';
import { redact } from '../../engine/redact.js';
import { resolveSourceFolder } from '../../engine/scan.js';
import { sync } from '../../engine/sync.js';
import type { Plan } from '../../engine/types.js';
import { summaryText } from '../../report/text.js';
import { helpText, parseCliArgs, rawSyncOptions } from './args.js';
import { resolveCliDestination } from './destination.js';
import { terminalEvents } from './terminal.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

/** Runs the CLI and returns its exit code. Never throws. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let stopEmulator: (() => Promise<void>) | undefined;
  try {
    const args = parseCliArgs(argv);
    if (args.flags.help) {
      process.stdout.write(`${helpText(VERSION)}\n`);
      return ExitCode.ok;
    }
    if (args.flags.version) {
      process.stdout.write(`${VERSION}\n`);
      return ExitCode.ok;
    }
    const json = args.flags.json ?? false;
    const log = json ? process.stderr : process.stdout;
    // The source is checked before anything starts or connects.
    if (args.source) await resolveSourceFolder(args.source);
    const destination = await resolveCliDestination(args, env);
    stopEmulator = destination.emulator?.stop;
    const options = resolveSyncOptions(rawSyncOptions(args, destination.destinationPath));
    const tryTimeoutMs = parseTryTimeout(args.flags.timeout);
    const target = connectContainer(destination.auth, destination.container, { tryTimeoutMs });
    if (destination.emulator) log.write(`Started the Azurite emulator at ${destination.emulator.serviceUrl}\n`);
    if (!args.flags.quiet) log.write(`Syncing ${options.source} -> ${target.label} (${target.method})\n`);

    const events = terminalEvents({
      log,
      tty: Boolean((log as NodeJS.WriteStream).isTTY) && !env.CI,
      verbose: args.flags.verbose ?? false,
      quiet: args.flags.quiet ?? false,
    });
    if (options.dryRun) events.plan = (plan) => printPlan(plan, log);
    const summary = await sync(options, target, events);
    events.finish();
    if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else log.write(`${summaryText(summary).join('\n')}\n`);
    return summary.failed > 0 ? ExitCode.partialFailure : ExitCode.ok;
  } catch (error) {
    process.stderr.write(`azure-blob-sync: error: ${redact(describeError(error))}\n`);
    if (!(error instanceof SyncError) && env.AZURE_BLOB_SYNC_DEBUG && error instanceof Error) {
      process.stderr.write(`${redact(error.stack ?? '')}\n`);
    }
    return error instanceof SyncError ? error.exitCode : ExitCode.partialFailure;
  } finally {
    await stopEmulator?.();
  }
}

function printPlan(plan: Plan, log: NodeJS.WritableStream): void {
  for (const item of plan.upload) log.write(`would upload  ${item.local.name} (${item.reason})\n`);
  for (const item of plan.updateHeaders) log.write(`would update  ${item.local.name} (headers)\n`);
  for (const remote of plan.delete) log.write(`would delete  ${remote.name}\n`);
}
