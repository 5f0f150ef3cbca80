import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { resolveDeployOptions } from '../../src/deploy/options.js';
import { encodePath, purgePaths } from '../../src/deploy/purge-paths.js';
import { parsePurgeTarget } from '../../src/deploy/purge-target.js';
import { managementEndpointForAuthority } from '../../src/deploy/management-endpoint.js';

describe('purgePaths', () => {
  it('purges each changed blob by its full name, and a changed index.html also by its folder URL', () => {
    assert.deepEqual(purgePaths(['index.html', 'site/docs/index.html', 'site/app.js', 'site/notindex.html']), [
      '/',
      '/index.html',
      '/site/app.js',
      '/site/docs/',
      '/site/docs/index.html',
      '/site/notindex.html',
    ]);
    assert.deepEqual(purgePaths([]), [], 'nothing changed, nothing to purge');
  });

  it('encodes names as a browser writes them, and never lets a * read as a wildcard', () => {
    assert.equal(encodePath('a b/ü+x@y:z/(1)*.js'), 'a%20b/%C3%BC+x@y:z/(1)%2A.js');
    assert.equal(encodePath('100%.txt'), '100%25.txt');
  });

  it('collapses the deepest crowded folders first until at most the limit remain', () => {
    const changed = [
      ...Array.from({ length: 6 }, (_, i) => `site/assets/js/c${i}.js`),
      ...Array.from({ length: 3 }, (_, i) => `site/assets/css/s${i}.css`),
      'site/index.html',
      'site/about.html',
    ];
    // 12 paths (index.html adds /site/); a limit of 8 collapses assets/js (6 -> 1) only.
    assert.deepEqual(purgePaths(changed, 8), [
      '/site/',
      '/site/about.html',
      '/site/assets/css/s0.css',
      '/site/assets/css/s1.css',
      '/site/assets/css/s2.css',
      '/site/assets/js/*',
      '/site/index.html',
    ]);
    // A limit of 4 takes css too, then assets (2 -> 1): js and css fold into assets/*.
    assert.deepEqual(purgePaths(changed, 4), ['/site/', '/site/about.html', '/site/assets/*', '/site/index.html']);
    // At worst the whole destination path.
    assert.deepEqual(purgePaths(changed, 1), ['/site/*']);
    const many = Array.from({ length: 5000 }, (_, i) => `site/p${i % 40}/f${i}.html`);
    const collapsed = purgePaths(many);
    assert.ok(collapsed.length <= 100 && collapsed.length >= 40, `${collapsed.length} paths`);
    assert.ok(collapsed.every((p) => /^\/site\/p\d+\/\*$/.test(p)));
  });
});

describe('purge options', () => {
  it('reads Front Door and CDN endpoint IDs, case-insensitively', () => {
    const afd = parsePurgeTarget(
      '/subscriptions/s-1/resourcegroups/rg/providers/microsoft.cdn/profiles/p/afdendpoints/e/',
    );
    assert.deepEqual(
      [afd.kind, afd.subscriptionId, afd.resourceGroup, afd.profile, afd.endpoint],
      ['front-door', 's-1', 'rg', 'p', 'e'],
    );
    assert.equal(
      parsePurgeTarget('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/p/endpoints/e').kind,
      'cdn',
    );
  });

  for (const [label, raw] of [
    [
      'a storage account ID',
      { purgeEndpoint: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a' },
    ],
    ['a host name', { purgeEndpoint: 'web-ep.z01.azurefd.net' }],
    [
      'an http management endpoint',
      {
        purgeEndpoint: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/p/endpoints/e',
        managementEndpoint: 'http://127.0.0.1:9',
      },
    ],
    ['a management endpoint without a purge', { managementEndpoint: 'https://management.usgovcloudapi.net' }],
  ] as const) {
    it(`refuses ${label}`, () => assert.throws(() => resolveDeployOptions(raw), UsageError));
  }

  it('follows the cloud of the authority for the management endpoint', () => {
    assert.equal(managementEndpointForAuthority(undefined), 'https://management.azure.com');
    assert.equal(
      managementEndpointForAuthority('https://login.microsoftonline.us'),
      'https://management.usgovcloudapi.net',
    );
    assert.equal(
      managementEndpointForAuthority('https://login.chinacloudapi.cn/'),
      'https://management.chinacloudapi.cn',
    );
  });
});
