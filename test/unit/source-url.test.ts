import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isContainerUrl } from '../../src/auth/urls.js';
import { connectSourceFolder } from '../../src/storage/connect-source.js';
import { parseSourceUrl } from '../../src/storage/source-url.js';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { AuthError, UsageError } from '../../src/engine/errors.js';
import { recoverUrl } from '../../src/platform/azure-devops/recover-url.js';

const future = new Date(Date.now() + 3600_000).toISOString();
const past = new Date(Date.now() - 60_000).toISOString();
const token = (sp: string, se = future) => `sv=2024-05-04&sr=c&sp=${sp}&se=${encodeURIComponent(se)}&sig=abc%2Fdef`;
const URL_BASE = 'https://stage.blob.core.windows.net/releases/v1.2';

describe('a container URL as the source', () => {
  it('tells a URL from a folder', () => {
    assert.equal(isContainerUrl('https://a.blob.core.windows.net/c'), true);
    assert.equal(isContainerUrl('http://127.0.0.1:10000/devstoreaccount1/c'), true);
    assert.equal(isContainerUrl('dist'), false);
    assert.equal(isContainerUrl('C:\\build\\https'), false);
  });

  it('takes the SAS from the URL or its own input, never both, and checks it', () => {
    assert.equal(parseSourceUrl(`${URL_BASE}?${token('rl')}`, undefined).sas, token('rl'));
    assert.equal(parseSourceUrl(URL_BASE, `?${token('rl')}`).sas, token('rl'));
    assert.equal(parseSourceUrl(URL_BASE, undefined).sas, undefined);
    assert.equal(parseSourceUrl(`${URL_BASE}?${token('rl')}`, undefined).url.sas, '', 'the URL keeps no secret');
    assert.throws(() => parseSourceUrl(`${URL_BASE}?${token('rl')}`, token('rl')), UsageError);
    assert.throws(
      () => parseSourceUrl(URL_BASE, token('rl', past)),
      (e: Error) => e instanceof AuthError && /expired/.test(e.message),
    );
    assert.throws(() => parseSourceUrl(URL_BASE, token('l')), /needs read \(r\)/);
    assert.throws(() => parseSourceUrl(URL_BASE, token('rw')), /needs list \(l\)/);
    assert.throws(() => parseSourceUrl(URL_BASE, token('w')), /needs read \(r\) and list \(l\)/);
    assert.throws(
      () => parseSourceUrl('https://stage.blob.core.windows.net/', undefined),
      /source URL .* names no container/,
    );
  });

  it('reads the source with the destination key only in the same account, and refuses overlapping folders', () => {
    const source = parseSourceUrl('http://127.0.0.1:10000/devstoreaccount1/site/v1', undefined);
    const key = {
      kind: 'account-key',
      serviceUrl: 'http://127.0.0.1:10000/devstoreaccount1',
      accountName: DEV_ACCOUNT.name,
      accountKey: DEV_ACCOUNT.key,
    } as const;
    const sibling = { containerUrl: 'http://127.0.0.1:10000/devstoreaccount1/site', path: 'latest' };
    const { method } = connectSourceFolder(source, key, sibling);
    assert.match(method, /read-only SAS signed with the account key/);
    for (const path of ['', 'v1', 'v1/latest']) {
      assert.throws(() => connectSourceFolder(source, key, { ...sibling, path }), /overlap/, path);
    }
    const otherAccount = { ...key, accountName: 'other' };
    assert.throws(() => connectSourceFolder(source, otherAccount, sibling), /Nothing authorises reading the source/);
  });

  it('signs a read-only SAS for one blob, valid for hours, not the key itself', async () => {
    const source = parseSourceUrl('http://127.0.0.1:10000/devstoreaccount1/site/v1', undefined);
    const { folder } = connectSourceFolder(
      source,
      { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' },
      { containerUrl: 'http://127.0.0.1:10000/devstoreaccount1/prod', path: '' },
    );
    const url = new URL(await folder.copyUrl('v1/a b.txt'));
    assert.equal(url.pathname, '/devstoreaccount1/site/v1/a%20b.txt');
    assert.equal(url.searchParams.get('sp'), 'r');
    assert.equal(url.searchParams.get('sr'), 'b');
    const hours = (Date.parse(url.searchParams.get('se')!) - Date.now()) / 3600_000;
    assert.ok(hours > 1.9 && hours <= 2, `${hours} h`);
    assert.ok(!url.toString().includes(DEV_ACCOUNT.key));
  });

  it("undoes the agent's file-path translation of a URL given as sourcePath", () => {
    const url = 'https://stage.blob.core.windows.net/releases/v1.2';
    assert.equal(recoverUrl(url), url);
    assert.equal(recoverUrl('/home/vsts/work/1/s/https:/stage.blob.core.windows.net/releases/v1.2'), url);
    assert.equal(recoverUrl('D:\\a\\1\\s\\https:\\stage.blob.core.windows.net\\releases\\v1.2'), url);
    assert.equal(recoverUrl('https:\\\\stage.blob.core.windows.net\\releases\\v1.2?sv=1&sig=x'), `${url}?sv=1&sig=x`);
    assert.equal(recoverUrl('/home/vsts/work/1/s/dist'), '/home/vsts/work/1/s/dist');
  });
});
