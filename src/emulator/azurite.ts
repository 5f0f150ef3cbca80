import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../engine/errors.js';
import { DEV_ACCOUNT } from '../auth/urls.js';

export interface AzuriteOptions {
  /** Folder that keeps the blobs between runs; in memory when absent. */
  location?: string;
  /** Serve HTTPS with this certificate and key (needed for OAuth). */
  tls?: { cert: string; key: string };
  /** Accept bearer tokens (`--oauth basic`); requires `tls`. */
  oauth?: boolean;
  /** Extra arguments for Azurite. */
  args?: string[];
  /** Serve this account instead of the well-known development account. */
  account?: { name: string; key: string };
  /** More accounts served beside it (cross-account copies). */
  moreAccounts?: { name: string; key: string }[];
  /** Keep Azurite's access log (one line a request) in `accessLog`, to check what a client asked for. */
  keepAccessLog?: boolean;
  /** More environment for Azurite (e.g. NODE_EXTRA_CA_CERTS, so it trusts its own certificate for copy checks). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningAzurite {
  /** Blob service URL including the account, e.g. http://127.0.0.1:41234/devstoreaccount1. */
  serviceUrl: string;
  connectionString: string;
  accountName: string;
  accountKey: string;
  port: number;
  pid: number;
  /** With `keepAccessLog`: `"GET /<account>/<container>/<blob> HTTP/1.1" 200 <bytes>` lines, in order. */
  accessLog: string[];
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/** Finds Azurite's blob server from the working directory or from next to this program. */
export function findAzurite(): string {
  const specifier = ['azurite', 'package.json'].join('/');
  for (const base of [process.cwd(), path.dirname(process.argv[1] ?? process.cwd())]) {
    try {
      const pkg = createRequire(path.join(base, 'noop.js')).resolve(specifier);
      return path.join(path.dirname(pkg), 'dist', 'src', 'blob', 'main.js');
    } catch {
      // try the next place
    }
  }
  throw new UsageError(
    'The Azurite emulator is not installed.',
    'Run `npm install` in this repository (Azurite is a dev dependency), or `npm install azurite@3.35.0`.',
  );
}

/** Starts Azurite's blob service on a free loopback port and waits until it listens. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const args = [
    findAzurite(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    ...(options.tls ? ['--cert', options.tls.cert, '--key', options.tls.key] : []),
    ...(options.oauth ? ['--oauth', 'basic'] : []),
    ...(options.args ?? []),
  ];
  const account = options.account ?? DEV_ACCOUNT;
  const accounts = [...(options.account || options.moreAccounts ? [account] : []), ...(options.moreAccounts ?? [])];
  const env = {
    ...process.env,
    ...options.env,
    ...(accounts.length ? { AZURITE_ACCOUNTS: accounts.map((a) => `${a.name}:${a.key}`).join(';') } : {}),
  };
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const port = await waitForPort(child);
  const accessLog: string[] = [];
  if (options.keepAccessLog) keepLines(child, accessLog);
  const scheme = options.tls ? 'https' : 'http';
  const serviceUrl = `${scheme}://127.0.0.1:${port}/${account.name}`;
  return {
    serviceUrl,
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${account.name};AccountKey=${account.key};BlobEndpoint=${serviceUrl};`,
    accountName: account.name,
    accountKey: account.key,
    port,
    pid: child.pid ?? 0,
    accessLog,
    stop: () => stopChild(child),
  };
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listens on https?:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        // Keep draining the pipes so Azurite's access log never blocks it.
        child.stdout?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => fail(new Error(`Azurite exited with code ${code}:\n${output}`)));
    child.once('error', fail);
  });
}

/** Azurite writes its access log to stdout: request lines are kept, split at line ends. */
function keepLines(child: ChildProcess, lines: string[]): void {
  let partial = '';
  child.stdout?.on('data', (data: Buffer) => {
    const parts = (partial + data.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => / HTTP\/1\.1" \d{3} /.test(line)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
