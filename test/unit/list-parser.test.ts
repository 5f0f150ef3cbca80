import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ListedBlob, ListPageParser, MAX_TOKEN_CHARS } from '../../src/storage/listing/list-parser.js';

/** A List Blobs response as the service writes it, with every element the sync ignores kept in. */
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

describe('reading a List Blobs response', () => {
  it('takes names, sizes, MD5s and headers by their place, decoding entities and encoded names', () => {
    assert.deepEqual(parseInChunks(PAGE, PAGE.length), { blobs: EXPECTED, marker: MARKER });
  });

  it('reads the same whatever the chunks the response arrives in', () => {
    for (const length of [1, 7, 64, 1000]) {
      assert.deepEqual(parseInChunks(PAGE, length), { blobs: EXPECTED, marker: MARKER }, `chunks of ${length}`);
    }
  });

  it('reads an empty last page', () => {
    const empty =
      '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="web"><Blobs /><NextMarker /></EnumerationResults>';
    assert.deepEqual(parseInChunks(empty, 10), { blobs: [], marker: '' });
  });

  it('throws on a response cut short, so the page is asked for again', () => {
    assert.throws(() => parseInChunks(PAGE.slice(0, PAGE.length / 2), 100), /unclosed|end/i);
  });

  it('throws on well-formed XML that is not a List Blobs response, so an error body is never read as an empty page', () => {
    const error = '<?xml version="1.0"?><Error><Code>ServerBusy</Code><Message>busy</Message></Error>';
    assert.throws(
      () => parseInChunks(error, 16),
      /not a List Blobs response: its root element is not <EnumerationResults>/,
    );
  });

  it('throws on what is not XML', () => {
    assert.throws(() => parseInChunks('<html><body>Gateway Timeout</body>', 100));
  });

  it('decodes entities, character references, CDATA and text around comments and instructions, whatever the chunks', () => {
    const page = blobPage(
      '<Name>a &amp; b &lt;&gt; &quot;&apos; &#233;&#x1F600;<!-- a > comment --><![CDATA[<not a tag> &amp;]]><?pi x?>\uD83D\uDE00</Name>',
    );
    const expected = 'a & b <> "\' é\u{1F600}<not a tag> &amp;\u{1F600}';
    for (const length of [page.length, 1, 2, 3, 5]) {
      assert.deepEqual(parseInChunks(page, length).blobs, [{ name: expected, size: 0 }], `chunks of ${length}`);
    }
  });

  /** What XML 1.0 refuses (and saxes with it), each in a name where the service puts the least checked text. */
  const MALFORMED: [string, string, RegExp][] = [
    ['a lone &', blobPage('<Name>Tom & Jerry</Name>'), /not well-formed XML/],
    [
      'a lone & before a ;',
      blobPage('<Name>a & b</Name><Properties><Content-Type>a;b</Content-Type></Properties>'),
      /entity/,
    ],
    ['an unknown entity', blobPage('<Name>&nbsp;</Name>'), /undefined entity/],
    ['&#0;', blobPage('<Name>a&#0;</Name>'), /malformed character entity/],
    ['a lone high surrogate by reference', blobPage('<Name>&#xD800;</Name>'), /malformed character entity/],
    ['a lone low surrogate by reference', blobPage('<Name>&#56320;</Name>'), /malformed character entity/],
    ['a reference past Unicode', blobPage('<Name>&#x110000;</Name>'), /malformed character entity/],
    ['NUL', blobPage('<Name>a\0b</Name>'), /disallowed character/],
    ['a C0 control', blobPage('<Name>a\x1Bb</Name>'), /disallowed character/],
    ['U+FFFE', blobPage('<Name>a\uFFFEb</Name>'), /disallowed character/],
    ['a lone low surrogate', blobPage('<Name>a\uDC00b</Name>'), /disallowed character/],
    [']]> in text', blobPage('<Name>a]]>b</Name>'), /"\]\]>" is disallowed/],
    ['< in text', blobPage('<Name>a < b</Name>'), /disallowed character in tag name/],
    ['an unquoted attribute', blobPage('<Name Encoded=true>a</Name>'), /unquoted attribute value/],
    ['an attribute without value', blobPage('<Name Encoded>a</Name>'), /attribute without value/],
    ['a duplicate attribute', blobPage('<Name Encoded="true" Encoded="false">a</Name>'), /duplicate attribute/],
    ['attributes without space between', blobPage('<Name A="1"B="2">a</Name>'), /no whitespace between attributes/],
    ['< in an attribute', blobPage('<Name A="<">a</Name>'), /disallowed character/],
    ['a tag name starting with a digit', blobPage('<Name>a</Name><1x/>'), /disallowed character in tag name/],
    ['-- in a comment', blobPage('<Name>a<!-- x -- y --></Name>'), /malformed comment/],
    ['a comment ending in --->', blobPage('<Name>a<!-- x ---></Name>'), /malformed comment/],
    ['tags that do not nest', blobPage('<Name>a</Blob></Name>'), /unexpected close tag/],
    ['a second root', `${blobPage('<Name>a</Name>')}<EnumerationResults/>`, /only one root/],
    ['text after the root', `${blobPage('<Name>a</Name>')}trailing`, /text data outside of root node/],
    ['a declaration after the start', ` ${blobPage('<Name>a</Name>')}`, /XML declaration must be at the start/],
    ['a DOCTYPE', blobPage('<Name>a</Name>').replace('?>', '?><!DOCTYPE x>'), /DOCTYPE/],
    ['a page cut short', blobPage('<Name>a</Name>').slice(0, -3), /unclosed tag/],
    ['no element at all', '', /must contain a root element/],
    [
      'an encoded name that is not percent-encoding',
      blobPage('<Name Encoded="true">%E0%A4%A</Name>'),
      /percent-encoding/,
    ],
  ];

  for (const [label, page, message] of MALFORMED) {
    it(`refuses ${label}, in one chunk and in chunks of one character`, () => {
      for (const length of [Math.max(page.length, 1), 1]) {
        assert.throws(
          () => parseInChunks(page, length),
          (error: Error) => message.test(error.message) && error.message.startsWith('the List Blobs response'),
          `chunks of ${length}`,
        );
      }
    });
  }

  it('keeps the response its own: names in what it refuses are not quoted back', () => {
    for (const page of [
      blobPage('<Name SECRET="1" SECRET="2">a</Name>'),
      blobPage('<Name>a</Name></SECRET>'),
      pageStart('<SECRET>'),
    ]) {
      assert.throws(
        () => parseInChunks(page, page.length),
        (error: Error) => !error.message.includes('SECRET') && /line 1, column \d+/.test(error.message),
        page,
      );
    }
  });

  it('reads the longest name the service sends, escaped, in chunks of one character', () => {
    const name = '"&<'.repeat(342).slice(0, 1024);
    const escaped = name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    assert.deepEqual(parseInChunks(blobPage(`<Name>${escaped}</Name>`), 1).blobs, [{ name, size: 0 }]);
  });

  it('takes a token just under the cap in chunks of one character in linear time', () => {
    // Rescanning what is buffered at each chunk would take minutes here; a linear reader takes well under a second.
    const name = 'x'.repeat(MAX_TOKEN_CHARS - 16);
    const page = blobPage(`<Name>${name}</Name>`);
    const blobs: ListedBlob[] = [];
    const parser = new ListPageParser((blob) => blobs.push(blob));
    const deadline = Date.now() + 20_000;
    for (let at = 0; at < page.length; at++) {
      parser.write(page[at]!);
      if (at % 4096 === 0) assert.ok(Date.now() < deadline, `only ${at} of ${page.length} characters read in 20 s`);
    }
    parser.close();
    assert.equal(blobs[0]?.name, name);
  });

  it('refuses a name, value or tag longer than the cap before the rest of it arrives', () => {
    for (const [label, start] of [
      ['text', pageStart('<Name>')],
      ['an attribute', pageStart('<Name A="')],
      ['a lone &', pageStart('<Name>&')],
      ['a comment', pageStart('<Name><!--')],
    ] as const) {
      const parser = new ListPageParser(() => {});
      let written = 0;
      assert.throws(
        () => {
          parser.write(start);
          for (; written < 4 * MAX_TOKEN_CHARS; written += 65536) parser.write('y'.repeat(65536));
        },
        /longer than 1048576 characters/,
        label,
      );
      assert.ok(written <= MAX_TOKEN_CHARS, `${label}: refused after ${written} characters`);
    }
  });

  it('refuses text split across CDATA sections once the whole passes the cap', () => {
    const half = `<![CDATA[${'z'.repeat(MAX_TOKEN_CHARS / 2 + 1)}]]>`;
    assert.throws(() => parseInChunks(blobPage(`<Name>${half}${half}</Name>`), 65536), /longer than/);
  });
});

/** A page holding one blob whose inner XML (from `<Name>` on) is given. */
function blobPage(inner: string): string {
  return `${pageStart(inner)}</Blob></Blobs></EnumerationResults>`;
}

/** The start of such a page, up to the given inner XML. */
function pageStart(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="web"><Blobs><Blob>${inner}`;
}
