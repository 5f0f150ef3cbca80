import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { accountsOf, ACCT2, BIG, seedStaging } from '../support/accounts.js';
import { downloadsFrom, requestsDuring } from '../support/access-log.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { blobState, md5Base64, pseudoRandomBytes } from '../support/files.js';

const MiB = 1024 * 1024;
const azurite = useAzurite({ moreAccounts: [ACCT2], keepAccessLog: true });
const { serviceUrl, connectionString, newContainer, sas } = accountsOf(azurite);

interface Summary {
  copied: number;
  uploaded: number;
  skipped: number;
  deleted: number;
  failed: number;
  bytesCopied: number;
  bytesUploaded: number;
  transfer: string;
}

async function sync(
  args: string[],
): Promise<{ code: number | null; summary?: Summary; stdout: string; stderr: string }> {
  const result = await runCli([...args, '--json'], { timeoutMs: 180_000 });
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(result.stdout) as Summary;
  } catch {
    summary = undefined;
  }
  return { ...result, summary };
}

describe('a container folder as the source, copied by the service (CLI bundle against Azurite)', () => {
  it('promotes staging/v1 to another account exactly, downloading nothing; re-runs copy nothing, then one', async () => {
    const staging = await newContainer(DEV_ACCOUNT.name);
    const production = await newContainer(ACCT2.name);
    await seedStaging(staging);
    for (const name of ['site/stale.html', 'site/index.html', 'site/assets/app.3f2a.js'])
      await production.uploadBlockBlob(name, 'old', 3);
    await production.uploadBlockBlob('other/keep.txt', 'keep', 4);
    const source = `${staging.url}/v1?${sas(staging, 'rl')}`;
    const destination = `${production.url}/site?${sas(production, 'rwdl')}`;

    let first!: Awaited<ReturnType<typeof sync>>;
    const requests = await requestsDuring(azurite.azurite, async () => {
      first = await sync([source, destination, '--delete-destination']);
    });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      [first.summary?.transfer, first.summary?.copied, first.summary?.uploaded, first.summary?.deleted],
      ['copy', 3, 0, 1],
    );
    assert.equal(first.summary?.bytesCopied, BIG.length + Buffer.byteLength('<h1>v1</h1>console.log(1)'));
    assert.equal(first.summary?.bytesUploaded, 0);

    // The runner listed the source and asked the service to copy; it never fetched a source blob.
    assert.ok(requests.some((line) => line.includes(`"GET /${DEV_ACCOUNT.name}/${staging.containerName}?`)));
    assert.ok(
      requests.some((line) => line.includes(`"PUT /${ACCT2.name}/${production.containerName}/site/app-1.0.tar.gz`)),
    );
    assert.deepEqual(downloadsFrom(requests, staging), []);
    // The check sees a download when there is one.
    const control = await requestsDuring(azurite.azurite, async () => {
      await staging.getBlobClient('v1/index.html').downloadToBuffer();
    });
    assert.equal(downloadsFrom(control, staging).length, 1);

    const sourceState = await blobState(staging, 'v1/');
    const copied = await blobState(production, 'site/');
    assert.deepEqual(
      [...copied].map(([name, blob]) => [name.replace(/^site\//, ''), blob]),
      [...sourceState].map(([name, blob]) => [name.replace(/^v1\//, ''), blob]),
      'names, sizes, MD5s and headers as in the source',
    );
    const archive = await production.getBlobClient('site/app-1.0.tar.gz').getProperties();
    assert.equal(archive.contentDisposition, 'attachment');
    assert.equal(
      (await production.getBlobClient('site/assets/app.3f2a.js').getProperties()).contentLanguage,
      'en',
      "the source's other headers carry over",
    );
    assert.ok(BIG.equals(await production.getBlobClient('site/app-1.0.tar.gz').downloadToBuffer()));
    assert.ok((await blobState(production)).has('other/keep.txt'), 'deletes stay in the destination path');
    assert.ok(!(await blobState(production)).has('site/stale.html'));

    let again!: Awaited<ReturnType<typeof sync>>;
    const rerun = await requestsDuring(azurite.azurite, async () => {
      again = await sync([source, destination, '--delete-destination']);
    });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.summary?.copied, again.summary?.skipped, again.summary?.deleted], [0, 3, 0]);
    assert.deepEqual(
      rerun.filter((line) => line.includes('"PUT ')),
      [],
      'a re-run writes nothing',
    );

    await staging.uploadBlockBlob('v1/assets/app.3f2a.js', 'console.log(2)', 14);
    const changed = await sync([source, destination, '--delete-destination']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual([changed.summary?.copied, changed.summary?.skipped], [1, 2]);
    assert.equal(
      (await production.getBlobClient('site/assets/app.3f2a.js').downloadToBuffer()).toString(),
      'console.log(2)',
    );
  });

  it('copies v1 to latest/ in the same account with only the destination key, applying header rules and the tier', async () => {
    const releases = await newContainer(DEV_ACCOUNT.name);
    await seedStaging(releases);
    await releases.uploadBlockBlob('latest/removed.html', 'x', 1);
    const promote = [
      `${releases.url}/v1`,
      '--connection-string',
      connectionString(DEV_ACCOUNT.name),
      '--container',
      releases.containerName,
      '--destination-path',
      'latest',
      '--cache-control',
      '**=public, max-age=60',
    ];
    const run = await sync([...promote, '--access-tier', 'Cool', '--delete-destination', '--force']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([run.summary?.copied, run.summary?.deleted], [3, 1]);
    const latest = await blobState(releases, 'latest/');
    assert.deepEqual([...latest.keys()], ['latest/app-1.0.tar.gz', 'latest/assets/app.3f2a.js', 'latest/index.html']);
    const page = latest.get('latest/index.html')!;
    assert.equal(page.md5, md5Base64('<h1>v1</h1>'));
    assert.equal(page.contentType, 'text/html; charset=utf-8');
    assert.equal(page.cacheControl, 'public, max-age=60', 'the rule replaces the source header');
    assert.equal(latest.get('latest/app-1.0.tar.gz')?.md5, md5Base64(BIG));
    assert.equal((await releases.getBlobClient('latest/index.html').getProperties()).accessTier, 'Cool');
    assert.ok((await blobState(releases, 'v2/')).has('v2/index.html'), 'the other folders stay');

    const again = await sync(promote);
    assert.deepEqual([again.code, again.summary?.copied, again.summary?.skipped], [0, 0, 3]);
  });

  it('copies source blobs without an MD5 on every run, and says why', async () => {
    const source = await newContainer(DEV_ACCOUNT.name);
    const destination = await newContainer(DEV_ACCOUNT.name);
    // A block upload without blobContentMD5, as other tools leave blobs: the service stores no MD5.
    await source
      .getBlockBlobClient('f/a.bin')
      .uploadData(pseudoRandomBytes(9 * MiB, 3), { maxSingleShotSize: 4 * MiB });
    const args = [`${source.url}/f?${sas(source, 'rl')}`, `${destination.url}?${sas(destination, 'rwl')}`];
    for (let run = 0; run < 2; run++) {
      const result = await sync(args);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.summary?.copied, 1);
      assert.match(result.stderr, /1 source blob\(s\) have no Content-MD5 \(e\.g\. a\.bin\).*copied on every run/);
    }
  });

  it('a dry run lists the copies and changes nothing', async () => {
    const staging = await newContainer(DEV_ACCOUNT.name);
    const production = await newContainer(ACCT2.name);
    await seedStaging(staging);
    const run = await runCli([
      `${staging.url}/v1?${sas(staging, 'rl')}`,
      `${production.url}?${sas(production, 'rwl')}`,
      '--dry-run',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /would copy {4}index\.html \(new\)/);
    assert.match(run.stdout, /Dry run \(nothing sent\):.*\n {2}to copy +3/);
    assert.equal((await blobState(production)).size, 0);
  });
});

describe('a container source: bad input gets one line and its exit code, changing nothing', () => {
  it('refuses a URL naming no container, an expired SAS, one without r or l, and overlapping folders', async () => {
    const source = await newContainer(DEV_ACCOUNT.name);
    await source.uploadBlockBlob('v1/a.txt', 'a', 1);
    const target = await newContainer(ACCT2.name);
    const destination = `${target.url}?${sas(target, 'rwl')}`;
    const sameAccount = [
      '--connection-string',
      connectionString(DEV_ACCOUNT.name),
      '--container',
      source.containerName,
    ];
    const cases: [string, string[], number, RegExp][] = [
      ['no container', [serviceUrl(DEV_ACCOUNT.name), destination], 2, /The source URL .* names no container\./],
      [
        'an expired SAS',
        [`${source.url}/v1?${sas(source, 'rl', -60_000)}`, destination],
        3,
        /The source's SAS expired at .*Nothing was changed/,
      ],
      [
        'a SAS without r',
        [`${source.url}/v1?${sas(source, 'l')}`, destination],
        3,
        /grants "l" but .* needs read \(r\)/,
      ],
      [
        'a SAS without l',
        [`${source.url}/v1?${sas(source, 'r')}`, destination],
        3,
        /grants "r" but .* needs list \(l\)/,
      ],
      ['overlapping folders', [`${source.url}/v1`, ...sameAccount, '--destination-path', 'v1/latest'], 2, /overlap/],
      [
        'the SAS twice',
        [`${source.url}/v1?${sas(source, 'rl')}`, destination, '--source-sas-token', sas(source, 'rl')],
        2,
        /SAS was given twice/,
      ],
      [
        'a key for another account',
        [`${source.url}/v1`, '--connection-string', connectionString(ACCT2.name), '--container', target.containerName],
        2,
        /Nothing authorises reading the source/,
      ],
    ];
    for (const [what, args, code, message] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, code, `${what}: ${run.stderr}`);
      assert.match(run.stderr, message, what);
      assert.equal(run.stderr.trim().split('\n').length, 1, `${what}: one line`);
      assert.doesNotMatch(run.stderr, /sig=(?!REDACTED)/, `${what}: no signature`);
    }
    assert.equal((await blobState(target)).size, 0);
  });

  it('refuses deletes when the source folder matched nothing', async () => {
    const source = await newContainer(DEV_ACCOUNT.name);
    await source.uploadBlockBlob('v1/a.txt', 'a', 1);
    const production = await newContainer(ACCT2.name);
    await production.uploadBlockBlob('site/a.txt', 'a', 1);
    const run = await runCli([
      `${source.url}/v9?${sas(source, 'rl')}`,
      `${production.url}/site?${sas(production, 'rwdl')}`,
      '--delete-destination',
    ]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(
      run.stderr,
      /The source "http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/copy-\d+-\d+\/v9" matched no files/,
    );
    assert.deepEqual([...(await blobState(production)).keys()], ['site/a.txt']);
  });
});
