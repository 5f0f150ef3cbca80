import os from 'node:os';
import type { RunningAzurite } from '../../emulator/azurite.js';
import { ExitCode, type OptionKey, type OptionTerms } from '../../engine/errors.js';
import { plannedChangeLines } from '../../report/lines.js';
import { logSafe } from '../../report/log-safe.js';
import { summaryText } from '../../report/text.js';
import { type EntryPoint, runEntryPoint } from '../run.js';
import { kebabCase } from '../terms.js';
import { type CliArgs, helpText, parseCliArgs, rawSyncOptions } from './args.js';
import { emulatorSource, resolveCliDestination, startEmulator } from './sync-ends.js';
import { terminalEvents } from './terminal.js';
import { cliManagementSignIn } from './entra.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

/** Flags: `--delete-threshold`, `--force`, `--include "**\/*.html"`. */
const CLI_TERMS: OptionTerms = {
  name: (key: OptionKey) => `--${kebabCase(key)}`,
  set: (key: OptionKey, value?: string) => `--${kebabCase(key)}${value === undefined ? '' : ` ${value}`}`,
};

/** Runs the CLI and returns its exit code. Never throws. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    return runEntryPoint(cliEntryPoint(undefined, env, error));
  }
  if (args.flags.help) {
    process.stdout.write(`${helpText(VERSION)}\n`);
    return ExitCode.ok;
  }
  if (args.flags.version) {
    process.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  return runEntryPoint(cliEntryPoint(args, env));
}

/** The command line's own: flags, an optional emulator, a terminal log (stderr when stdout carries JSON). */
function cliEntryPoint(args: CliArgs | undefined, env: NodeJS.ProcessEnv, parseError?: unknown): EntryPoint {
  const flags = args?.flags ?? {};
  const log = flags.json ? process.stderr : process.stdout;
  let emulator: RunningAzurite | undefined;
  return {
    terms: CLI_TERMS,
    // Only --json names the file; a plain run leaves no file behind in the temp folder.
    tempDir: flags.json ? os.tmpdir() : undefined,
    async read() {
      if (!args) throw parseError;
      const destination = resolveCliDestination(args, env);
      const start = async () => {
        if (!emulator) {
          emulator = await startEmulator(args);
          log.write(`Started the Azurite emulator at ${emulator.serviceUrl}\n`);
        }
        return emulator;
      };
      let download = destination.download;
      if (download && destination.auth === 'emulator') {
        // The URL names the emulator's account: checked first, then pointed at the emulator this run starts.
        emulatorSource(download.source, 'http://127.0.0.1');
        download = { ...download, source: emulatorSource(download.source, (await start()).serviceUrl) };
      }
      return {
        sync: rawSyncOptions(args, destination.destinationPath, download),
        container: destination.container,
        timeout: flags.timeout,
        deploy: { purgeEndpoint: flags['purge-endpoint'], managementEndpoint: flags['management-endpoint'] },
        managementSignIn: (storage) => cliManagementSignIn(storage, env),
        sourceSasToken: download ? download.sasToken : flags['source-sas-token'],
        async signIn() {
          if (destination.auth === undefined) throw new Error('a download with a SAS signs in with nothing else');
          if (destination.auth !== 'emulator') return destination.auth;
          return { kind: 'connection-string', connectionString: (emulator ?? (await start())).connectionString };
        },
      };
    },
    info(line) {
      if (!flags.quiet) log.write(`${logSafe(line)}\n`);
    },
    events(options) {
      const events = terminalEvents({
        log,
        tty: Boolean((log as NodeJS.WriteStream).isTTY) && !env.CI,
        verbose: flags.verbose ?? false,
        quiet: flags.quiet ?? false,
      });
      if (options.dryRun)
        events.plan = (plan) => plannedChangeLines(plan).forEach((line) => log.write(`${logSafe(line)}\n`));
      return events;
    },
    publish(summary) {
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else log.write(`${summaryText(summary).map(logSafe).join('\n')}\n`);
    },
    fail({ message, hint, stack }) {
      process.stderr.write(`azure-blob-sync: error: ${logSafe(hint ? `${message} ${hint}` : message)}\n`);
      if (stack && env.AZURE_BLOB_SYNC_DEBUG) process.stderr.write(`${stack}\n`);
    },
    close: async () => {
      await emulator?.stop();
    },
  };
}
