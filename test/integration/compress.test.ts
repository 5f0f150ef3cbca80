import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { syncFolder } from '../support/folder-sync.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import type { FileResult } from '../../src/engine/types.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { codeBlocks, docText } from '../support/docs.js';
import { makeTree, md5Base64, pseudoRandomBytes, writeFile } from '../support/files.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;

async function run(container: ContainerClient, raw: RawSyncOptions) {
  const files: FileResult[] = [];
  const summary = await syncFolder(
    resolveSyncOptions({ concurrency: '8', ...raw }),
    { container, label: container.url },
    { file: (result) => files.push(result) },
  );
  const uploaded = files.filter((f) => f.action === 'uploaded').map((f) => `${f.name}:${f.reason}`);
  return { summary, uploaded: uploaded.sort() };
}

/** A blob as a client without Accept-Encoding sees it: the stored bytes and the headers that describe them. */
async function stored(container: ContainerClient, name: string) {
  const blob = container.getBlobClient(name);
  const properties = await blob.getProperties();
  return {
    bytes: await blob.downloadToBuffer(),
    contentEncoding: properties.contentEncoding,
    contentType: properties.contentType,
    md5: properties.contentMD5 ? Buffer.from(properties.contentMD5).toString('base64') : undefined,
    metadata: properties.metadata ?? {},
  };
}

function decode(bytes: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'br') return zlib.brotliDecompressSync(bytes);
  if (encoding === 'gzip') return zlib.gunzipSync(bytes);
  assert.equal(encoding, undefined, `unexpected Content-Encoding ${encoding}`);
  return bytes;
}

/** Text that compresses the way a page does: markup around varied words. */
function page(seed: number, size: number): string {
  const words = ['azure', 'blob', 'sync', 'static', 'site', 'cache', 'header', 'content', 'encoding', 'brotli'];
  let text = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page</title></head><body>\n';
  for (let i = 0; text.length < size; i++) {
    const word = words[(i * 7 + seed) % words.length]!;
    text += `<p class="c${(i + seed) % 13}">${word} ${i % 97} é ${words[(i * 3) % words.length]}</p>\n`;
  }
  return text.slice(0, size);
}

const RULES = ['**/*.{html,css,js}=br', '**/*.svg=gzip', '**/*.bin=br'];

describe('precompressed uploads against Azurite', () => {
  it('stores matching files encoded with the right headers, and leaves what would not shrink plain', async () => {
    const container = await azurite.newContainer();
    const files = {
      'index.html': page(1, 40_000),
      'assets/app.js': `export const x = ${JSON.stringify(page(2, 20_000))};`,
      'logo.svg': `<svg xmlns="http://www.w3.org/2000/svg">${'<rect width="1" height="1"/>'.repeat(300)}</svg>`,
      'noise.bin': pseudoRandomBytes(50_000, 3), // incompressible: stays plain
      'tiny.js': 'x', // encoding adds bytes: stays plain
      'plain.txt': page(4, 5_000), // no rule
    };
    const source = makeTree(files);
    const { summary } = await run(container, { source, compress: RULES });
    assert.deepEqual([summary.uploaded, summary.failed], [6, 0]);

    const expect = {
      'index.html': ['br', 'text/html; charset=utf-8'],
      'assets/app.js': ['br', 'text/javascript; charset=utf-8'],
      'logo.svg': ['gzip', 'image/svg+xml'],
      'noise.bin': [undefined, 'application/octet-stream'],
      'tiny.js': [undefined, 'text/javascript; charset=utf-8'],
      'plain.txt': [undefined, 'text/plain; charset=utf-8'],
    } as const;
    for (const [name, [encoding, contentType]] of Object.entries(expect)) {
      const blob = await stored(container, name);
      const content = Buffer.from(files[name as keyof typeof files]);
      assert.equal(blob.contentEncoding, encoding, `${name}: Content-Encoding`);
      assert.equal(blob.contentType, contentType, `${name}: Content-Type of the file, not of the encoding`);
      assert.equal(blob.md5, md5Base64(blob.bytes), `${name}: Content-MD5 of the stored bytes`);
      assert.deepEqual(decode(blob.bytes, encoding), content, `${name}: decodes to the file`);
      if (encoding) assert.ok(blob.bytes.length < content.length, `${name}: stored smaller`);
      if (name === 'plain.txt') assert.deepEqual(blob.metadata, {}, 'no rule: no record');
      else assert.equal(blob.metadata.azsync_source_md5, md5Base64(content), `${name}: the file's MD5 recorded`);
    }
    assert.ok(
      summary.bytesUploaded < Object.values(files).reduce((sum, f) => sum + Buffer.byteLength(f), 0) / 2,
      `the summary counts the bytes sent (${summary.bytesUploaded})`,
    );

    // Nothing to do again, although the stored bytes are not the files'.
    const again = await run(container, { source, compress: RULES });
    assert.deepEqual([again.summary.uploaded, again.summary.updated, again.summary.skipped], [0, 0, 6]);
  });

  it('uploads nothing after every mtime changed, and only a same-size edit', async () => {
    const container = await azurite.newContainer();
    const files = { 'a.html': page(1, 8_000), 'b.html': page(2, 8_000), 'c/d.css': `a{}${page(3, 3_000)}` };
    const source = makeTree(files);
    await run(container, { source, compress: RULES });

    const future = new Date(Date.now() + 3600_000);
    for (const name of Object.keys(files)) utimesSync(path.join(source, name), future, future);
    const touched = await run(container, { source, compress: RULES });
    assert.deepEqual([touched.summary.uploaded, touched.summary.skipped], [0, 3]);

    const edited = files['b.html'].replace('azure', 'AZURE'); // same size, new content
    assert.equal(edited.length, files['b.html'].length);
    writeFile(source, 'b.html', edited);
    const after = await run(container, { source, compress: RULES });
    assert.deepEqual(after.uploaded, ['b.html:changed']);
    const blob = await stored(container, 'b.html');
    assert.equal(decode(blob.bytes, blob.contentEncoding).toString(), edited);
  });

  it('re-encodes what a changed rule covers, stores plain what a removed rule covered, and then settles', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({
      'a.html': page(1, 8_000),
      'b.css': page(2, 8_000),
      'noise.bin': pseudoRandomBytes(9_000),
    });
    await run(container, { source, compress: ['*.html=br', '*.css=br', '*.bin=br'] });

    const changed = await run(container, { source, compress: ['*.html=gzip', '*.css=br', '*.bin=gzip'] });
    assert.deepEqual(changed.uploaded, ['a.html:encoding', 'noise.bin:encoding']);
    assert.equal((await stored(container, 'a.html')).contentEncoding, 'gzip');
    assert.equal((await stored(container, 'noise.bin')).contentEncoding, undefined);

    // The last matching rule wins: `none` after a broader rule stores the file as it is.
    const removed = await run(container, { source, compress: ['**=gzip', '*.html=none', '*.bin=none'] });
    assert.deepEqual(removed.uploaded, ['a.html:encoding', 'b.css:encoding', 'noise.bin:encoding']);
    const plain = await stored(container, 'a.html');
    assert.equal(plain.contentEncoding, undefined);
    assert.equal(plain.bytes.toString(), page(1, 8_000));
    assert.deepEqual(plain.metadata, {}, 'a plain upload drops the record');
    assert.equal((await stored(container, 'b.css')).contentEncoding, 'gzip');

    const settled = await run(container, { source, compress: ['**=gzip', '*.html=none', '*.bin=none'] });
    assert.deepEqual([settled.summary.uploaded, settled.summary.skipped], [0, 3]);
    const none = await run(container, { source });
    assert.deepEqual(none.uploaded, ['b.css:encoding']);
  });

  it('streams large files through the encoder (in blocks when still large), and stops early on incompressible ones', async () => {
    const container = await azurite.newContainer();
    // Base64 of random bytes: about 3/4 of it survives brotli, more than one Put Blob (8 MiB) can take.
    const large = pseudoRandomBytes(10 * MiB, 5).toString('base64');
    const text = page(9, 12 * MiB);
    const noise = pseudoRandomBytes(9 * MiB, 6);
    const source = makeTree({ 'large.js': large, 'text.html': text, 'noise.bin': noise });
    const { summary } = await run(container, { source, compress: ['*.js=gzip', '*.html=br', '*.bin=br'] });
    assert.equal(summary.failed, 0);

    const largeBlob = await stored(container, 'large.js');
    assert.equal(largeBlob.contentEncoding, 'gzip');
    assert.ok(largeBlob.bytes.length > 8 * MiB, `committed from blocks (${largeBlob.bytes.length} bytes)`);
    assert.equal(largeBlob.md5, md5Base64(largeBlob.bytes));
    assert.equal(decode(largeBlob.bytes, 'gzip').toString(), large);
    const textBlob = await stored(container, 'text.html');
    assert.equal(textBlob.contentEncoding, 'br');
    assert.equal(decode(textBlob.bytes, 'br').toString(), text);
    assert.equal(textBlob.metadata.azsync_source_size, String(Buffer.byteLength(text)));
    const noiseBlob = await stored(container, 'noise.bin');
    assert.equal(noiseBlob.contentEncoding, undefined);
    assert.deepEqual(noiseBlob.bytes, noise);
    assert.equal(noiseBlob.metadata.azsync_source_md5, md5Base64(noise), 'the whole file hashed for the record');

    const again = await run(container, { source, compress: ['*.js=gzip', '*.html=br', '*.bin=br'] });
    assert.deepEqual([again.summary.uploaded, again.summary.skipped], [0, 3]);
  });

  it('sets changed headers in place on an encoded blob, keeping its encoding and its record', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'a.html': page(1, 8_000) });
    await run(container, { source, compress: ['*.html=br'] });
    const before = await stored(container, 'a.html');

    const updated = await run(container, { source, compress: ['*.html=br'], cacheControl: ['*.html=no-cache'] });
    assert.deepEqual([updated.summary.uploaded, updated.summary.updated], [0, 1]);
    const after = await stored(container, 'a.html');
    assert.equal((await container.getBlobClient('a.html').getProperties()).cacheControl, 'no-cache');
    assert.deepEqual(
      [after.contentEncoding, after.md5, after.metadata, after.bytes],
      [before.contentEncoding, before.md5, before.metadata, before.bytes],
    );
    const again = await run(container, { source, compress: ['*.html=br'], cacheControl: ['*.html=no-cache'] });
    assert.deepEqual([again.summary.uploaded, again.summary.updated, again.summary.skipped], [0, 0, 1]);
  });

  it('writes the same bytes for the same input', async () => {
    const files = { 'a.html': page(5, 30_000), 'b.svg': page(6, 30_000), 'c.js': page(7, 9 * MiB) };
    const rules = ['*.html=br', '*.svg=gzip', '*.js=br'];
    const first = await azurite.newContainer();
    const second = await azurite.newContainer();
    await run(first, { source: makeTree(files), compress: rules });
    await run(second, { source: makeTree(files), compress: rules, concurrency: '1' });
    for (const name of Object.keys(files)) {
      assert.deepEqual((await stored(first, name)).bytes, (await stored(second, name)).bytes, name);
    }
  });

  it('types extensionless files by their content', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({
      LICENSE: 'MIT License\n\nCopyright (c) 2024 — Ünïcödé\n',
      CNAME: 'www.example.com',
      'docs/Makefile': `all:\n\techo ${'x'.repeat(600)}é\n`, // longer than the sniffed prefix
      '.nojekyll': '',
      'bin/tool': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]),
      'latin1/README': Buffer.from('caf\xe9\n', 'latin1'),
      'data.unknownext': 'text with an extension the mime database does not know',
      'forced/NOTICE': 'notice',
    });
    await run(container, { source, contentType: ['forced/*=text/markdown'] });
    const types = Object.fromEntries(
      await Promise.all(
        [
          'LICENSE',
          'CNAME',
          'docs/Makefile',
          '.nojekyll',
          'bin/tool',
          'latin1/README',
          'data.unknownext',
          'forced/NOTICE',
        ].map(async (name) => [name, (await container.getBlobClient(name).getProperties()).contentType]),
      ),
    );
    assert.deepEqual(types, {
      LICENSE: 'text/plain; charset=utf-8',
      CNAME: 'text/plain; charset=utf-8',
      'docs/Makefile': 'text/plain; charset=utf-8',
      '.nojekyll': 'text/plain; charset=utf-8',
      'bin/tool': 'application/octet-stream',
      'latin1/README': 'application/octet-stream',
      'data.unknownext': 'application/octet-stream',
      'forced/NOTICE': 'text/markdown',
    });
    const again = await run(container, { source, contentType: ['forced/*=text/markdown'] });
    assert.deepEqual([again.summary.uploaded, again.summary.updated, again.summary.skipped], [0, 0, 8]);
  });

  it("runs docs/precompression.md's command as written (the container URL swapped for the emulator's)", async () => {
    const command = codeBlocks(docText('docs/precompression.md'), 'sh').find((block) =>
      block.startsWith('azure-blob-sync '),
    );
    assert.ok(command, 'the page has a command');
    // The shell splits the words as a user's shell would.
    const words = execFileSync('sh', ['-c', command.replace(/^azure-blob-sync /, `printf '%s\\0' `)], {
      encoding: 'utf8',
    })
      .split('\0')
      .slice(0, -1);
    const [folder, url, ...flags] = words;
    assert.equal(folder, './dist');
    assert.match(url!, /^https:\/\/myaccount\.blob\.core\.windows\.net\/\$web$/);

    const container = await azurite.newContainer();
    const { accountName, accountKey } = azurite.azurite;
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        permissions: ContainerSASPermissions.parse('racwdl'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(accountName, accountKey),
    );
    const cwd = makeTree({
      'dist/index.html': page(1, 5_000),
      'dist/vendor/lib.js': page(2, 5_000),
      'dist/img/photo.jpg': pseudoRandomBytes(5_000),
    });
    const result = await runCli([folder!, `${container.url}?${sas.toString()}`, ...flags], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await stored(container, 'index.html')).contentEncoding, 'br');
    assert.equal((await stored(container, 'vendor/lib.js')).contentEncoding, 'gzip', 'the last matching rule wins');
    assert.equal((await stored(container, 'img/photo.jpg')).contentEncoding, undefined);
  });
});
