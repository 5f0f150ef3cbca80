import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { TokenCredential } from '@azure/identity';
import { ExitCode, PurgeError } from '../../src/engine/errors.js';
import { purgeEndpoint, type PurgeWait } from '../../src/deploy/purge.js';
import { parsePurgeTarget } from '../../src/deploy/purge-target.js';
import { type FakeArm, type FakeArmOptions, startFakeArm } from '../support/fake-arm.js';
import { tempDir } from '../support/files.js';
import { createTestCertificate } from '../support/tls.js';

// This process trusts the loopback certificate through the agent, as the bundles do through NODE_EXTRA_CA_CERTS.
const cert = createTestCertificate(tempDir('abs-tls-'));
const agent = new https.Agent({ ca: [...rootCertificates, readFileSync(cert.certPath, 'utf8')] });

const FRONT_DOOR = parsePurgeTarget(
  '/subscriptions/0b1c2d3e-0000-4000-8000-000000000001/resourceGroups/web-rg/providers/Microsoft.Cdn/profiles/web-fd/afdEndpoints/web-ep',
);
const CDN = parsePurgeTarget(
  '/subscriptions/0b1c2d3e-0000-4000-8000-000000000001/resourceGroups/web-rg/providers/Microsoft.Cdn/profiles/web-cdn/endpoints/web-classic',
);
const scopes: string[] = [];
const credential: TokenCredential = {
  getToken: async (scope) => {
    scopes.push(String(scope));
    return { token: 'arm-access-token', expiresOnTimestamp: Date.now() + 3600_000 };
  },
};

let arms: FakeArm[] = [];
async function arm(options: Omit<FakeArmOptions, 'certPath' | 'keyPath'> = {}): Promise<FakeArm> {
  const started = await startFakeArm({ ...cert, ...options });
  arms.push(started);
  return started;
}
after(async () => Promise.all(arms.map((a) => a.stop())));
before(() => (arms = []));

function waiting(lines: string[], more: Partial<PurgeWait> = {}): PurgeWait {
  return { timeoutMs: 10_000, progressEveryMs: 0, pollIntervalMs: 10, log: (line) => lines.push(line), ...more };
}

describe('purgeEndpoint against a fake Resource Manager (HTTPS, @azure/arm-cdn)', () => {
  it('purges a Front Door endpoint, polls the Azure-AsyncOperation until it succeeded, with progress lines', async () => {
    const fake = await arm({ pollsBeforeDone: 3 });
    const lines: string[] = [];
    await purgeEndpoint(
      { target: FRONT_DOOR, paths: ['/index.html', '/'], credential, managementEndpoint: fake.endpoint, agent },
      waiting(lines),
    );
    assert.equal(fake.purges.length, 1);
    assert.deepEqual(fake.purges[0], {
      kind: 'afdEndpoints',
      subscriptionId: FRONT_DOOR.subscriptionId,
      resourceGroup: 'web-rg',
      profile: 'web-fd',
      endpoint: 'web-ep',
      apiVersion: fake.purges[0]!.apiVersion,
      contentPaths: ['/index.html', '/'],
      token: 'arm-access-token',
    });
    assert.match(fake.purges[0]!.apiVersion ?? '', /^\d{4}-\d\d-\d\d/);
    assert.equal(fake.polls.length, 4, 'three InProgress answers, then Succeeded');
    assert.ok(scopes.includes(`${fake.endpoint}/.default`), `token scope: ${scopes.join(', ')}`);
    assert.match(lines[0]!, /^Purging 2 paths on Front Door endpoint web-ep \(waiting up to /);
    assert.ok(
      lines.some((l) => /^Purge still running after .* \(running\)$/.test(l)),
      lines.join('\n'),
    );
    assert.match(lines.at(-1)!, /^Purged 2 paths on Front Door endpoint web-ep in /);
  });

  it('purges a CDN endpoint through the endpoints API', async () => {
    const fake = await arm({ pollsBeforeDone: 0 });
    await purgeEndpoint(
      { target: CDN, paths: ['/a.css'], credential, managementEndpoint: fake.endpoint, agent },
      waiting([]),
    );
    assert.deepEqual(
      fake.purges.map((p) => [p.kind, p.profile, p.endpoint, p.contentPaths]),
      [['endpoints', 'web-cdn', 'web-classic', ['/a.css']]],
    );
  });

  const failures: [string, Omit<FakeArmOptions, 'certPath' | 'keyPath'>, Partial<PurgeWait>, RegExp, RegExp][] = [
    [
      'a 403 names the role it needs',
      {
        refuse: () => ({
          status: 403,
          code: 'AuthorizationFailed',
          message:
            'The client does not have authorization to perform action Microsoft.Cdn/profiles/afdEndpoints/purge/action.',
        }),
      },
      {},
      /refused the purge of \/subscriptions\/.*web-ep \(403 AuthorizationFailed: .*purge\/action\.\)\. The sync itself completed\.$/,
      /needs CDN Profile Contributor on the Front Door profile web-fd/,
    ],
    [
      'a failed operation',
      { outcome: 'Failed' },
      {},
      /purge of .* failed \(.*The purge failed at the edge/,
      /CDN Profile Contributor/,
    ],
    [
      'a purge that does not finish in time',
      { outcome: 'never' },
      { timeoutMs: 300 },
      /did not finish within 300 ms\. The sync itself completed\./,
      /Azure goes on with it/,
    ],
  ];
  for (const [label, options, wait, message, hint] of failures) {
    it(`fails with its own exit code for ${label}`, async () => {
      const fake = await arm(options);
      await assert.rejects(
        purgeEndpoint(
          { target: FRONT_DOOR, paths: ['/x'], credential, managementEndpoint: fake.endpoint, agent },
          waiting([], wait),
        ),
        (error: unknown) => {
          assert.ok(error instanceof PurgeError, String(error));
          assert.equal(error.exitCode, ExitCode.purge);
          assert.match(error.message, message);
          assert.match(error.hint ?? '', hint);
          return true;
        },
      );
    });
  }
});
