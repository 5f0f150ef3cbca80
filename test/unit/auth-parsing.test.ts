import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobServiceUrl, normalizeSas, parseConnectionString, parseContainerUrl } from '../../src/auth/urls.js';
import { isKnownAuthorityHost } from '../../src/auth/authority.js';
import { UsageError } from '../../src/engine/errors.js';

describe('parseContainerUrl', () => {
  it('takes apart a public URL with a folder and a SAS', () => {
    assert.deepEqual(parseContainerUrl('https://acct.blob.core.windows.net/site/v2/docs?sv=1&sig=abc'), {
      serviceUrl: 'https://acct.blob.core.windows.net',
      container: 'site',
      path: 'v2/docs',
      sas: 'sv=1&sig=abc',
    });
  });

  it('reads the account from the path on emulator-style URLs', () => {
    const url = parseContainerUrl('http://127.0.0.1:10000/devstoreaccount1/demo');
    assert.equal(url.serviceUrl, 'http://127.0.0.1:10000/devstoreaccount1');
    assert.equal(url.container, 'demo');
    assert.equal(url.path, '');
  });

  it('decodes the $web container', () =>
    assert.equal(parseContainerUrl('https://a.blob.core.windows.net/%24web').container, '$web'));

  for (const bad of [
    'not a url',
    'ftp://a/b',
    'https://acct.blob.core.windows.net/',
    'https://acct.blob.core.windows.net/Bad_Name',
    'https://a.blob.core.windows.net/c/../x',
  ]) {
    it(`rejects ${bad}`, () => assert.throws(() => parseContainerUrl(bad), UsageError));
  }

  it('never echoes a SAS in its error', () => {
    assert.throws(
      () => parseContainerUrl('notaurl?sig=SECRET'),
      (e: Error) => !e.message.includes('SECRET'),
    );
  });
});

describe('parseConnectionString', () => {
  it('builds the endpoint from account name and suffix', () => {
    const parts = parseConnectionString(
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn',
    );
    assert.equal(parts.blobEndpoint, 'https://acct.blob.core.chinacloudapi.cn');
  });

  it('understands UseDevelopmentStorage=true', () => {
    assert.equal(parseConnectionString('UseDevelopmentStorage=true').accountName, 'devstoreaccount1');
  });

  it('accepts a SAS connection string with a BlobEndpoint', () => {
    const parts = parseConnectionString(
      'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x',
    );
    assert.equal(parts.sas, 'sv=1&sig=x');
    assert.equal(parts.blobEndpoint, 'https://acct.blob.core.windows.net');
  });

  const bad = [
    'garbage',
    'AccountName=acct',
    'AccountKey=a2V5',
    'AccountName=a;AccountKey=not base64!',
    'SharedAccessSignature=sig=1',
    'AccountName=a;AccountKey=a2V5;BlobEndpoint=::',
  ];
  for (const text of bad) {
    it(`rejects "${text}" without echoing the key`, () => {
      assert.throws(
        () => parseConnectionString(text),
        (e: unknown) => e instanceof UsageError && !e.message.includes('a2V5') && !e.message.includes('not base64!'),
      );
    });
  }
});

describe('endpoints, SAS and authorities', () => {
  it('derives the public endpoint or takes the explicit one', () => {
    assert.equal(blobServiceUrl('acct', undefined), 'https://acct.blob.core.windows.net');
    assert.equal(
      blobServiceUrl(undefined, 'https://acct.blob.core.usgovcloudapi.net/'),
      'https://acct.blob.core.usgovcloudapi.net',
    );
    assert.throws(() => blobServiceUrl('Bad_Account', undefined), UsageError);
    assert.throws(() => blobServiceUrl(undefined, undefined), UsageError);
  });

  it('accepts a SAS with or without "?" and rejects one without a signature', () => {
    assert.equal(normalizeSas('?sv=1&sig=a'), 'sv=1&sig=a');
    assert.throws(() => normalizeSas('sv=1'), UsageError);
  });

  it('disables instance discovery only for unknown authority hosts', () => {
    assert.equal(isKnownAuthorityHost('https://login.microsoftonline.com'), true);
    assert.equal(isKnownAuthorityHost('https://login.microsoftonline.us/'), true);
    assert.equal(isKnownAuthorityHost('https://adfs.azurestack.local'), false);
  });
});
