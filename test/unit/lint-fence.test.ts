// The import fences in eslint.config.js, at any depth: each forbidden import fails lint, each allowed one passes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { ROOT } from '../support/cli.js';

const eslint = new ESLint({ cwd: ROOT });

async function fenceMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path.join(ROOT, file) });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

const FORBIDDEN: [file: string, code: string][] = [
  ['src/engine/plan/x.ts', "import '../../auth/urls.js';"],
  ['src/engine/plan/x.ts', "import '../../storage/connect.js';"],
  ['src/engine/local/deep/x.ts', "import '../../../storage/listing/listing.js';"],
  ['src/engine/x.ts', "import '../deploy/steps.js';"],
  ['src/engine/x.ts', "import '../report/lines.js';"],
  ['src/engine/transfer/x.ts', "import '../../platform/run.js';"],
  ['src/engine/x.ts', "import '../emulator/azurite.js';"],
  ['src/engine/x.ts', "import { BlobServiceClient } from '@azure/storage-blob';"],
  ['src/engine/plan/x.ts', "import type { TokenCredential } from '@azure/identity';"],
  ['src/engine/x.ts', "import * as core from '@actions/core';"],
  ['src/deploy/x.ts', "import { getOctokit } from '@actions/github';"],
  ['src/deploy/preview/x.ts', "import { WebApi } from 'azure-devops-node-api';"],
  ['src/storage/x.ts', "import tl from 'azure-pipelines-task-lib/task.js';"],
  ['src/auth/x.ts', "import '../storage/connect.js';"],
  ['src/storage/listing/x.ts', "import '../../deploy/steps.js';"],
  ['src/storage/x.ts', "import '../platform/run.js';"],
  ['src/deploy/x.ts', "import { BlobServiceClient } from '@azure/storage-blob';"],
  ['src/platform/github/x.ts', "import { ContainerClient } from '@azure/storage-blob';"],
  ['src/auth/x.ts', "import { createPipelineRequest } from '@azure/core-rest-pipeline';"],
  ['src/report/x.ts', "import { RestError } from '@azure/core-rest-pipeline';"],
  ['src/engine/local/x.ts', 'const onWindows = process.platform === "win32";'],
];

const ALLOWED: [file: string, code: string][] = [
  ['src/engine/plan/x.ts', "import '../names/blob-name.js';"],
  ['src/engine/x.ts', "import './ports/source.js';"],
  ['src/storage/x.ts', "import { BlobServiceClient } from '@azure/storage-blob';"],
  ['src/storage/x.ts', "import '../engine/errors.js';"],
  ['src/storage/x.ts', "import '../auth/urls.js';"],
  ['src/platform/github/x.ts', "import * as core from '@actions/core';"],
  ['src/platform/azure-devops/x.ts', "import tl from 'azure-pipelines-task-lib/task.js';"],
  ['src/deploy/x.ts', "import '../storage/connect.js';"],
  ['src/auth/x.ts', "import { DefaultAzureCredential } from '@azure/identity';"],
  ['src/platform/cli/x.ts', 'const argv = process.argv;'],
];

describe('the import fences', () => {
  for (const [file, code] of FORBIDDEN) {
    it(`refuses ${code} in ${file}`, async () => {
      assert.equal((await fenceMessages(file, code)).length, 1, `${code} in ${file} should fail lint`);
    });
  }
  for (const [file, code] of ALLOWED) {
    it(`allows ${code} in ${file}`, async () => {
      assert.deepEqual(await fenceMessages(file, code), []);
    });
  }
});
