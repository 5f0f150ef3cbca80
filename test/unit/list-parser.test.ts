import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ListedBlob, ListPageParser } from '../../src/storage/listing/list-parser.js';

/** A List Blobs answer as the service writes it, with every element the sync ignores kept in. */
const PAGE = `<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/" ContainerName="web">
  <Prefix>site/</Prefix><Marker /><MaxResults>5000</MaxResults>
  <Blobs>
    <Blob>
      <Name>site/index.html</Name>
      <Properties>
        <Creation-Time>Mon, 23 Nov 2026 09:53:13 GMT</Creation-Time>
        <Last-Modified>Mon, 23 Nov 2026 09:53:13 GMT</Last-Modified>
        <Etag>0x8DB1F1E2A2B3C4D</Etag>
        <Content-Length>375</Content-Length>
        <Content-Type>text/html; charset=utf-8</Content-Type>
        <Content-Encoding />
        <Content-Language />
        <Content-CRC64 />
        <Content-MD5>2nfmGR3vxOWe0sGyzUFVig==</Content-MD5>
        <Cache-Control>no-cache</Cache-Control>
        <Content-Disposition />
        <BlobType>BlockBlob</BlobType>
        <AccessTier>Hot</AccessTier>
      </Properties>
      <Metadata><Name>not the blob name</Name><Etag>not the etag</Etag></Metadata>
      <OrMetadata />
    </Blob>
    <Blob>
      <Name Encoded="true">site/%EF%BF%BEodd%20name.txt</Name>
      <Properties><Content-Length>0</Content-Length><Content-Encoding>gzip</Content-Encoding></Properties>
    </Blob>
    <Blob>
      <Name>site/Tom &amp; Jerry &lt;3&gt; ünï.txt</Name>
      <Properties><Content-Length>12</Content-Length><Content-Language>de</Content-Language><Content-Disposition>attachment</Content-Disposition></Properties>
      <Metadata />
    </Blob>
    <Blob>
      <Name>site/folder</Name>
      <Properties><Content-Length>0</Content-Length></Properties>
      <Metadata><hdi_isfolder>true</hdi_isfolder></Metadata>
      <Tags><TagSet><Tag><Key>Name</Key><Value>x</Value></Tag></TagSet></Tags>
    </Blob>
    <BlobPrefix><Name>site/sub/</Name></BlobPrefix>
  </Blobs>
  <NextMarker>2!96!MDAwMDY0IXNpdGUvZm9sZGVyITAwMDAyOCE5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTlaIQ--</NextMarker>
</EnumerationResults>`;

const EXPECTED: ListedBlob[] = [
  {
    name: 'site/index.html',
    size: 375,
    etag: '0x8DB1F1E2A2B3C4D',
    contentType: 'text/html; charset=utf-8',
    md5: '2nfmGR3vxOWe0sGyzUFVig==',
    cacheControl: 'no-cache',
  },
  { name: 'site/\uFFFEodd name.txt', size: 0, contentEncoding: 'gzip' },
  {
    name: 'site/Tom & Jerry <3> ünï.txt',
    size: 12,
    contentLanguage: 'de',
    contentDisposition: 'attachment',
  },
  { name: 'site/folder', size: 0, folderMarker: 'true' },
];
const MARKER = '2!96!MDAwMDY0IXNpdGUvZm9sZGVyITAwMDAyOCE5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTlaIQ--';

function parseInChunks(xml: string, chunkLength: number): { blobs: ListedBlob[]; marker: string } {
  const blobs: ListedBlob[] = [];
  const parser = new ListPageParser((blob) => blobs.push(blob));
  for (let at = 0; at < xml.length; at += chunkLength) parser.write(xml.slice(at, at + chunkLength));
  return { blobs, marker: parser.close() };
}

describe('reading a List Blobs answer', () => {
  it('takes names, sizes, MD5s and headers by their place, decoding entities and encoded names', () => {
    assert.deepEqual(parseInChunks(PAGE, PAGE.length), { blobs: EXPECTED, marker: MARKER });
  });

  it('reads the same whatever the chunks the answer arrives in', () => {
    for (const length of [1, 7, 64, 1000]) {
      assert.deepEqual(parseInChunks(PAGE, length), { blobs: EXPECTED, marker: MARKER }, `chunks of ${length}`);
    }
  });

  it('reads an empty last page', () => {
    const empty =
      '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="web"><Blobs /><NextMarker /></EnumerationResults>';
    assert.deepEqual(parseInChunks(empty, 10), { blobs: [], marker: '' });
  });

  it('throws on an answer cut short, so the page is asked for again', () => {
    assert.throws(() => parseInChunks(PAGE.slice(0, PAGE.length / 2), 100), /unclosed|end/i);
  });

  it('throws on well-formed XML that is not a List Blobs answer, so an error body is never read as an empty page', () => {
    const error = '<?xml version="1.0"?><Error><Code>ServerBusy</Code><Message>busy</Message></Error>';
    assert.throws(() => parseInChunks(error, 16), /<Error>, not a List Blobs answer/);
  });

  it('throws on what is not XML', () => {
    assert.throws(() => parseInChunks('<html><body>Gateway Timeout</body>', 100));
  });
});
