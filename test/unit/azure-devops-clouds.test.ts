import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudBlobServiceUrl } from '../../src/platform/azure-devops/clouds.js';

describe('cloudBlobServiceUrl (the service connection decides the cloud)', () => {
  it('uses the public endpoint without an environment, and each sovereign cloud its own suffix', () => {
    assert.equal(cloudBlobServiceUrl('acct', undefined), 'https://acct.blob.core.windows.net');
    assert.equal(cloudBlobServiceUrl('acct', 'AzureCloud'), 'https://acct.blob.core.windows.net');
    assert.equal(cloudBlobServiceUrl('acct', 'AzureUSGovernment'), 'https://acct.blob.core.usgovcloudapi.net');
    assert.equal(cloudBlobServiceUrl('acct', 'azurechinacloud'), 'https://acct.blob.core.chinacloudapi.cn');
  });

  it('asks for blobEndpoint on Azure Stack, whose suffix is not fixed', () => {
    assert.throws(() => cloudBlobServiceUrl('acct', 'AzureStack'), /cloud "AzureStack"/);
    assert.throws(
      () => cloudBlobServiceUrl('acct', 'AzureStack'),
      (error: Error & { hint?: string }) => /blobEndpoint/.test(error.hint ?? ''),
    );
  });

  it('still checks the account name', () => {
    assert.throws(() => cloudBlobServiceUrl('My_Account', 'AzureUSGovernment'), /not a valid storage account name/);
  });
});
