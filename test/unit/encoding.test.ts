import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ListPageParser, type ListedBlob } from '../../src/storage/listing/list-parser.js';
import { UsageError, describeError } from '../../src/engine/errors.js';
import { resolveSyncOptions } from '../../src/engine/options.js';
import { diff, filesNeedingHash, type DiffOptions } from '../support/diff.js';
import { EncodingResolver, encodedSourceOf, sourceMetadata } from '../../src/engine/plan/encoding.js';
import { isExtensionless, sniffContentType } from '../../src/engine/local/sniff.js';
import zlib from 'node:zlib';
import { createEncoder, encodeBuffer, type ContentEncoding } from '../../src/engine/transfer/encode.js';
import type { Encoding, RemoteBlob, SourceEntry } from '../../src/engine/types.js';

const md5 = (text: string) => createHash('md5').update(text).digest('base64');

describe('compress rules', () => {
  it('parse as glob=encoding, one a line or repeated, the last match winning', () => {
    const { compressRules } = resolveSyncOptions({
      source: 'x',
      compress: ['**/*.{html,css,js}=br\n# a comment\n*.svg = GZIP', 'vendor/**=none'],
    });
    assert.deepEqual(compressRules, [
      { pattern: '**/*.{html,css,js}', encoding: 'br' },
      { pattern: '*.svg', encoding: 'gzip' },
      { pattern: 'vendor/**', encoding: 'none' },
    ]);
    const resolver = new EncodingResolver(compressRules);
    assert.equal(resolver.resolve('index.html'), 'br');
    assert.equal(resolver.resolve('img/logo.svg'), 'gzip', 'a glob without / matches at any depth');
    assert.equal(resolver.resolve('vendor/lib.js'), 'none');
    assert.equal(resolver.resolve('photo.jpg'), 'none');
    assert.deepEqual(resolveSyncOptions({ source: 'x' }).compressRules, []);
  });

  it('refuse an unknown encoding or a malformed rule as a usage error (exit 2)', () => {
    for (const compress of [['*.html=zstd'], ['*.html=deflate'], ['*.html'], ['=br']]) {
      assert.throws(
        () => resolveSyncOptions({ source: 'x', compress }),
        (error: unknown) => error instanceof UsageError && error.exitCode === 2,
        compress[0],
      );
    }
    const error = (() => {
      try {
        resolveSyncOptions({ source: 'x', compress: ['*.html=zstd'] });
      } catch (caught) {
        return caught as UsageError;
      }
    })()!;
    const { message, hint } = describeError(error, { name: (key) => `--${key}`, set: (key) => `--${key}` });
    assert.match(message, /zstd/);
    assert.match(hint ?? '', /--compress rules as glob=br, glob=gzip or glob=none/);
  });
});

describe('the record of an encoded blob', () => {
  it('round-trips through metadata and refuses partial or malformed records', () => {
    const source = { size: 1234, md5: md5('x'), encoding: 'br' } as const;
    assert.deepEqual(encodedSourceOf(sourceMetadata(source)!), source);
    assert.equal(sourceMetadata(undefined), undefined);
    const meta = sourceMetadata(source)!;
    for (const broken of [
      { ...meta, azsync_encoding: 'zstd' },
      { ...meta, azsync_source_size: '-1' },
      { ...meta, azsync_source_size: 'twelve' },
      { azsync_source_md5: meta.azsync_source_md5 },
    ]) {
      assert.equal(encodedSourceOf(broken), undefined, JSON.stringify(broken));
    }
  });

  it('is read from a listing, whatever the case of the keys, beside the folder marker', () => {
    const blobs: ListedBlob[] = [];
    const parser = new ListPageParser((blob) => blobs.push(blob));
    parser.write(`<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>
      <Blob><Name>a.html</Name><Properties><Content-Length>90</Content-Length><Content-MD5>c3RvcmVk</Content-MD5>
        <Content-Encoding>br</Content-Encoding></Properties>
        <Metadata><Azsync_Source_MD5>c291cmNl</Azsync_Source_MD5><azsync_source_size>400</azsync_source_size>
        <azsync_encoding>br</azsync_encoding><other>kept out</other></Metadata></Blob>
      <Blob><Name>b.html</Name><Properties><Content-Length>5</Content-Length></Properties>
        <Metadata><azsync_source_md5>c291cmNl</azsync_source_md5></Metadata></Blob>
      <Blob><Name>c.html</Name><Properties><Content-Length>5</Content-Length></Properties></Blob>
    </Blobs><NextMarker /></EnumerationResults>`);
    parser.close();
    assert.deepEqual(blobs[0]?.source, { md5: 'c291cmNl', size: 400, encoding: 'br' });
    assert.equal(blobs[0]?.contentEncoding, 'br');
    assert.equal(blobs[1]?.source, undefined, 'an incomplete record is ignored');
    assert.equal(blobs[2]?.source, undefined, 'a blob without metadata carries no record of the one before');
    assert.ok(!('other' in blobs[0]!));
  });
});

describe('the diff under compress rules', () => {
  const remote = (extra: Partial<RemoteBlob>): RemoteBlob => ({
    name: 'a.html',
    blobName: 'a.html',
    size: 90,
    md5: 'c3RvcmVk',
    contentType: 'text/html; charset=utf-8',
    ...extra,
  });
  const encoded = (encoding: ContentEncoding, content = 'page') =>
    remote({ contentEncoding: encoding, source: { size: content.length, md5: md5(content), encoding } });
  const options = (encoding: Encoding): DiffOptions => ({
    compare: 'md5',
    deleteDestination: false,
    blobName: (name) => name,
    headersFor: () => ({ contentType: 'text/html; charset=utf-8' }),
    inScope: () => true,
    encodingFor: () => encoding,
  });
  const decide = (local: SourceEntry, blob: RemoteBlob | undefined, encoding: Encoding) => {
    const plan = diff([local], new Map(blob ? [[blob.name, blob]] : []), options(encoding));
    const item = plan.upload[0];
    if (item) return `upload:${item.reason}:${item.encoding ?? 'plain'}`;
    return plan.updateHeaders.length ? 'update' : 'skip';
  };
  const file = (content: string): SourceEntry => ({ name: 'a.html', size: content.length, md5: md5(content) });

  it('compares the file with the record, not with the stored bytes', () => {
    assert.equal(decide(file('page'), encoded('br'), 'br'), 'skip');
    assert.equal(decide(file('PAGE'), encoded('br'), 'br'), 'upload:changed:br', 'same size, new content');
    assert.equal(decide(file('pages'), encoded('br'), 'br'), 'upload:changed:br');
    assert.equal(decide(file('page'), undefined, 'gzip'), 'upload:new:gzip');
  });

  it('writes again what a changed or removed rule covers, and what a new rule covers', () => {
    assert.equal(decide(file('page'), encoded('br'), 'gzip'), 'upload:encoding:gzip');
    assert.equal(decide(file('page'), encoded('br'), 'none'), 'upload:encoding:plain');
    const plain = remote({ size: 4, md5: md5('page') });
    assert.equal(decide(file('page'), plain, 'none'), 'skip');
    assert.equal(decide(file('page'), plain, 'br'), 'upload:encoding:br');
  });

  it('skips a file stored plain under its rule (encoding did not make it smaller)', () => {
    const kept = remote({ size: 4, md5: md5('page'), source: { size: 4, md5: md5('page'), encoding: 'br' } });
    assert.equal(decide(file('page'), kept, 'br'), 'skip');
    assert.equal(decide(file('page'), kept, 'none'), 'upload:encoding:plain');
  });

  it('does not trust a record on a blob without a Content-MD5 (not written by the sync)', () => {
    assert.equal(decide(file('page'), { ...encoded('br'), md5: undefined }, 'br'), 'upload:changed:br');
  });

  it("hashes files whose record has the file's size, not the stored size", () => {
    const unhashed = (size: number): SourceEntry => ({ name: 'a.html', size });
    const remotes = new Map([['a.html', encoded('br', 'page')]]);
    assert.equal(filesNeedingHash([unhashed(4)], remotes, 'md5').length, 1);
    assert.equal(filesNeedingHash([unhashed(90)], remotes, 'md5').length, 0, 'the stored size does not count');
  });
});

describe('encoders', () => {
  const text = Buffer.from('<p>'.repeat(10_000) + 'é'.repeat(50_000));

  async function streamed(encoding: ContentEncoding, body: Buffer, chunk: number): Promise<Buffer> {
    const { stream, fixHeader } = createEncoder(encoding);
    const parts: Buffer[] = [];
    let at = 0;
    stream.on('data', (part: Buffer) => {
      fixHeader(part, at);
      at += part.length;
      parts.push(part);
    });
    const done = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
    for (let i = 0; i < body.length; i += chunk) stream.write(body.subarray(i, i + chunk));
    stream.end();
    await done;
    return Buffer.concat(parts);
  }

  for (const encoding of ['br', 'gzip'] as const) {
    it(`${encoding}: the same bytes however the input is cut, and they decode to it`, async () => {
      const whole = await encodeBuffer(text, encoding);
      assert.deepEqual(decodeBuffer(whole, encoding), text);
      assert.ok(whole.length < text.length / 10);
      for (const chunk of [1000, 65_536, 1 << 20]) assert.deepEqual(await streamed(encoding, text, chunk), whole);
      assert.deepEqual(await encodeBuffer(text, encoding), whole);
    });
  }

  it('gzip: no timestamp, and the OS byte of the header is Unix on every platform', async () => {
    const encoded = await encodeBuffer(text, 'gzip');
    assert.deepEqual([...encoded.subarray(4, 8)], [0, 0, 0, 0]);
    assert.equal(encoded[9], 3);
  });
});

describe('content sniffing of extensionless files', () => {
  it('applies only to names without an extension', () => {
    for (const name of ['LICENSE', 'docs/NOTICE', 'CNAME', 'Makefile', '.nojekyll', 'a.b/README'])
      assert.ok(isExtensionless(name), name);
    for (const name of ['index.html', 'a/b.txt', 'archive.tar.gz', '.env.local'])
      assert.ok(!isExtensionless(name), name);
  });

  it('calls valid UTF-8 without control bytes text, anything else binary', () => {
    const type = (bytes: number[] | string, truncated = false) =>
      sniffContentType(typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes), truncated);
    assert.equal(type('MIT License\r\n\tCopyright ©\f\x1b[0m'), 'text/plain; charset=utf-8');
    assert.equal(type(''), 'text/plain; charset=utf-8');
    assert.equal(type('text\0more'), 'application/octet-stream');
    assert.equal(type([0x7f, 0x45, 0x4c, 0x46, 0x02]), 'application/octet-stream', 'an ELF header');
    assert.equal(type([0x63, 0x61, 0x66, 0xe9]), 'application/octet-stream', 'Latin-1, not UTF-8');
    const cut = [...Buffer.from('ab'), 0xe2, 0x82]; // '€' cut after two of its three bytes
    assert.equal(type(cut, true), 'text/plain; charset=utf-8', 'a character cut by the prefix');
    assert.equal(type(cut, false), 'application/octet-stream', 'a file ending mid-character');
  });
});

/** Decodes what `encodeBuffer` wrote. */
function decodeBuffer(body: Buffer, encoding: ContentEncoding): Buffer {
  return encoding === 'br' ? zlib.brotliDecompressSync(body) : zlib.gunzipSync(body);
}
