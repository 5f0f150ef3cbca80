import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';

const azurite = useAzurite();

describe('hashing from the bundled CLI', () => {
  it('re-sync hashes on worker threads (reported with --verbose) and finds a same-size change', async () => {
    const container = await azurite.newContainer();
    // Enough bytes that the engine starts workers; four files so up to four workers have work.
    const contents: Record<string, Buffer> = {
      'index.html': Buffer.from('<p>hi</p>'),
      'media/a.bin': pseudoRandomBytes(12 * 2 ** 20, 1),
      'media/b.bin': pseudoRandomBytes(12 * 2 ** 20, 2),
      'media/c.bin': pseudoRandomBytes(12 * 2 ** 20 + 3, 3),
    };
    const source = makeTree(contents);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const args = [source, '--container', container.containerName];

    const first = await runCli(args, { env });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /^hashed/m, 'new files are hashed while they upload, not in a hash phase');

    // Same size, one byte different: only the content hash can tell.
    const changed = Buffer.from(contents['media/b.bin']!);
    changed.writeUInt8(changed.readUInt8(12345) ^ 0xff, 12345);
    writeFileSync(path.join(source, 'media/b.bin'), changed);

    const second = await runCli([...args, '--verbose'], { env });
    assert.equal(second.code, 0, second.stderr);
    const workers = Math.min(os.availableParallelism(), 4);
    const plural = workers > 1 ? 's' : '';
    assert.match(
      second.stdout,
      new RegExp(`^hashed 4 local file\\(s\\), .* on ${workers} worker thread${plural}$`, 'm'),
    );
    assert.match(second.stdout, /^\+ uploaded +media\/b\.bin \(.*changed\)$/m);
    assert.match(second.stdout, /^= skipped +media\/a\.bin$/m);
    assert.match(second.stdout, /^= skipped +index\.html$/m);
    assert.equal((await blobState(container)).get('media/b.bin')?.md5, md5Base64(changed));

    const quiet = await runCli(args, { env });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /^hashed/m, 'the hashing line is for --verbose only');
  });
});
