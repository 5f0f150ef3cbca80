// A seeded, bounded fuzz of the List Blobs reader (see test/unit/list-parser-fuzz.test.ts, which runs it in a child
// process so that a reader that hangs fails the test instead of stalling it): generated pages with hostile names, cut
// at random places, and mutated. Run alone: node --import tsx test/support/list-parser-fuzz.ts [seed]
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { type ListedBlob, ListPageParser } from '../../src/storage/listing/list-parser.js';
import { type SeededRandom, seededRandom } from './seeded-random.js';

export const DEFAULT_SEED = 0x5eed2026;
const PAGES = 40;
const MUTATIONS_PER_PAGE = 30;

type Random = SeededRandom;

/** Pieces of names: what XML escapes, what looks like markup, line ends, other planes, and what XML cannot carry. */
const NAME_PIECES = [
  ...'abcXYZ019/._- ',
  ...'&<>"\'',
  ']]>',
  ']]',
  '&amp;',
  '<!--',
  '-->',
  '<![CDATA[',
  '\t',
  '\n',
  '\r',
  '\r\n',
  'é',
  'ü',
  '中',
  '\u00A0',
  '\u2028',
  '\uFEFF',
  '\uFFFD',
  '\u{1F600}',
  '\u{10000}',
  '\u{10FFFF}',
];
/** Characters a blob name may hold that XML 1.0 cannot: the service lists such a name percent-encoded. */
const NOT_XML = ['\u0001', '\u001F', '\u007F\u0008', '\uFFFE', '\uFFFF'];
const notXml = (char: string) => {
  const code = char.charCodeAt(0);
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff;
};
const FORBIDDEN = ['\0', '\u0001', '\u0008', '\u000B', '\u000C', '\u001F', '\uFFFE', '\uFFFF', '\uDC00'];

function randomName(random: Random): string {
  const long = random.next() < 0.08;
  const wanted = long ? 1024 : 1 + random.below(40);
  let name = '';
  while ([...name].length < wanted) {
    name += random.next() < 0.03 ? random.pick(NOT_XML) : random.pick(NAME_PIECES);
  }
  return [...name].slice(0, wanted).join('');
}

/** A name XML can carry as it is, for the texts the service never percent-encodes. */
function xmlText(random: Random): string {
  return [...randomName(random)].filter((char) => !notXml(char)).join('');
}

/** Escapes text for an element's content, choosing among the forms XML allows. */
function escapeText(random: Random, text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const reference = () => (random.next() < 0.5 ? `&#${code};` : `&#x${code.toString(16)};`);
    if (char === '&') out += random.next() < 0.7 ? '&amp;' : reference();
    else if (char === '<') out += random.next() < 0.7 ? '&lt;' : reference();
    else if (char === '>') out += random.next() < 0.7 ? '&gt;' : reference();
    // A raw CR would be read as a line end (XML normalizes them), so the service references it.
    else if (char === '\r') out += reference();
    else if (char === '"') out += random.next() < 0.5 ? '"' : '&quot;';
    else if (char === "'") out += random.next() < 0.5 ? "'" : '&apos;';
    else out += random.next() < 0.1 ? reference() : char;
  }
  return out;
}

/** A name's element: plain, partly in CDATA, or percent-encoded when XML cannot carry it. */
function nameElement(random: Random, name: string): string {
  if ([...name].some(notXml)) return `<Name Encoded="true">${encodeURIComponent(name)}</Name>`;
  const cut = random.below(name.length + 1);
  const tail = name.slice(cut);
  const cdataFits = !/]]>|\r|[\uD800-\uDFFF]/.test(tail) && !/[\uD800-\uDBFF]$/.test(name.slice(0, cut));
  if (random.next() < 0.15 && cdataFits)
    return `<Name>${escapeText(random, name.slice(0, cut))}<![CDATA[${tail}]]></Name>`;
  return `<Name>${escapeText(random, name)}</Name>`;
}

const TYPES = ['text/html; charset=utf-8', 'image/png', 'application/json', 'a/b; q="x&y"'];

interface Page {
  xml: string;
  blobs: ListedBlob[];
  marker: string;
  hasCdata: boolean;
}

function randomPage(random: Random): Page {
  const blobs: ListedBlob[] = [];
  let body = '';
  const count = random.below(30);
  for (let i = 0; i < count; i++) {
    const name = randomName(random);
    const blob: ListedBlob = { name, size: random.below(2 ** 40) };
    const md5 = Buffer.from(Array.from({ length: 16 }, () => random.below(256))).toString('base64');
    const optional = (element: string, field: keyof ListedBlob, value: string) => {
      if (random.next() < 0.5) return random.next() < 0.5 ? `<${element} />` : `<${element}></${element}>`;
      (blob as Record<string, unknown>)[field] = value;
      return `<${element}>${escapeText(random, value)}</${element}>`;
    };
    let properties =
      `<Creation-Time>Mon, 23 Nov 2026 09:53:13 GMT</Creation-Time>` +
      optional('Etag', 'etag', `0x8DC${random.below(2 ** 48).toString(16)}`) +
      `<Content-Length>${blob.size}</Content-Length>` +
      optional('Content-Type', 'contentType', random.pick(TYPES)) +
      optional('Content-Encoding', 'contentEncoding', random.pick(['gzip', 'br'])) +
      optional('Content-Language', 'contentLanguage', 'de-CH') +
      optional('Content-MD5', 'md5', md5) +
      optional('Cache-Control', 'cacheControl', 'public, max-age=60') +
      optional('Content-Disposition', 'contentDisposition', `attachment; filename="${xmlText(random)}"`) +
      '<BlobType>BlockBlob</BlobType>';
    if (random.next() < 0.3) properties = `\n  ${properties.replace(/>(?=<[A-Za-z])/g, '>\n    ')}\n  `;
    let metadata = random.next() < 0.3 ? '<Metadata />' : '';
    if (random.next() < 0.3) {
      // Keys named like properties must not be read as them.
      metadata = '<Metadata><Name>not the name</Name><Content-MD5>not the md5</Content-MD5>';
      if (random.next() < 0.5) {
        const source = { md5, size: random.below(1e9), encoding: random.pick(['gzip', 'br'] as const) };
        blob.source = source;
        metadata += `<AzSync_Source_MD5>${source.md5}</AzSync_Source_MD5><azsync_source_size>${source.size}</azsync_source_size><azsync_encoding>${source.encoding}</azsync_encoding>`;
      }
      if (random.next() < 0.3) {
        blob.folderMarker = 'true';
        metadata += '<hdi_isfolder>true</hdi_isfolder>';
      }
      metadata += '</Metadata>';
    }
    body += `<Blob>${nameElement(random, name)}<Properties>${properties}</Properties>${metadata}</Blob>`;
    if (random.next() < 0.1) body += `<BlobPrefix>${nameElement(random, randomName(random))}</BlobPrefix>`;
    blobs.push(blob);
  }
  const marker = random.next() < 0.5 ? '' : `2!96!${xmlText(random)}`;
  const markerElement = marker === '' ? '<NextMarker />' : `<NextMarker>${escapeText(random, marker)}</NextMarker>`;
  const xml =
    `${random.next() < 0.3 ? '\uFEFF' : ''}<?xml version="1.0" encoding="utf-8"?>\n` +
    `<EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/" ContainerName="web">` +
    `<Prefix>${escapeText(random, xmlText(random))}</Prefix><MaxResults>5000</MaxResults>` +
    `<Blobs>${body}</Blobs>${markerElement}</EnumerationResults>`;
  return { xml, blobs, marker, hasCdata: xml.includes('<![CDATA[') };
}

type Outcome = { blobs: ListedBlob[]; marker: string } | { error: string };

/** Parses the page cut at the given lengths (repeated to its end); a failure must be the parser's own. */
function outcome(xml: string, cuts: readonly number[]): Outcome {
  const blobs: ListedBlob[] = [];
  try {
    const parser = new ListPageParser((blob) => blobs.push(blob));
    for (let at = 0, i = 0; at < xml.length; i++) {
      const length = cuts[i % cuts.length]!;
      parser.write(xml.slice(at, at + length));
      at += length;
    }
    return { blobs, marker: parser.close() };
  } catch (error) {
    assert.equal((error as Error).constructor, Error, `a crash of another kind: ${String(error)}`);
    assert.match((error as Error).message, /^the (List Blobs )?response /);
    // saxes places some errors at the end of the text run it found them in, which depends on where chunks end.
    return { error: (error as Error).message.replace(/ \(line .*\)/, '') };
  }
}

function randomCuts(random: Random, length: number): number[] {
  const widest = random.pick([2, 8, 64, 4096, 65536]);
  const cuts = Array.from({ length: 1 + random.below(16) }, () => 1 + random.below(widest));
  // A 1-character split of a small page reaches every boundary.
  return length < 20_000 && random.next() < 0.2 ? [1] : cuts;
}

/** Where markup may start without changing what is read: before an opening tag (outside CDATA), after the prolog. */
function neutralPlaces(xml: string): number[] {
  const places: number[] = [];
  for (let i = xml.indexOf('?>') + 2; i < xml.length; i++) {
    if (xml.startsWith('<![CDATA[', i)) i = xml.indexOf(']]>', i);
    else if (xml[i] === '<' && /[A-Za-z]/.test(xml[i + 1]!)) places.push(i);
  }
  return places;
}

const insert = (xml: string, at: number, text: string) => xml.slice(0, at) + text + xml.slice(at);

/** Runs the fuzz; reports each page before it is read, so a hang can be placed. Throws on the first failure. */
export function fuzzListParser(seed: number, onPage: (index: number) => void = () => {}): void {
  const random = seededRandom(seed);
  let refusedMutations = 0;
  for (let pageIndex = 0; pageIndex < PAGES; pageIndex++) {
    onPage(pageIndex);
    const where = `seed ${seed}, page ${pageIndex}`;
    const page = randomPage(random);
    const expected = { blobs: page.blobs, marker: page.marker };
    assert.deepEqual(outcome(page.xml, [page.xml.length]), expected, `${where}, whole`);
    for (let i = 0; i < 3; i++) {
      const cuts = randomCuts(random, page.xml.length);
      assert.deepEqual(outcome(page.xml, cuts), expected, `${where}, cut ${cuts.join(',')}`);
    }

    for (let m = 0; m < MUTATIONS_PER_PAGE; m++) {
      const at = random.below(page.xml.length + 1);
      const kind = random.pick(['forbidden', 'truncate', 'neutral', 'bareAmp', 'random'] as const);
      let mutated: string;
      let must: 'refuse' | 'same' | 'agree' = 'agree';
      if (kind === 'forbidden') {
        mutated = insert(page.xml, at, random.pick(FORBIDDEN));
        must = 'refuse';
      } else if (kind === 'truncate') {
        mutated = page.xml.slice(0, Math.min(at, page.xml.length - 1));
        must = 'refuse';
      } else if (kind === 'neutral') {
        const place = random.pick(neutralPlaces(page.xml));
        mutated = insert(page.xml, place, random.pick([' ', '\n\t', '<!-- & < ]]> -->', '<?pi x?>', '\r\n']));
        must = 'same';
      } else if (kind === 'bareAmp') {
        const amp = random.pick(['& ', '&#;', '&#x;', '&#0;', '&#xD800;', '&', '&lt']);
        mutated = insert(page.xml, at, amp);
        // Inside CDATA an ampersand is only text; '&' and '&lt' may run into a reference ('&' + 'amp;').
        if (!page.hasCdata && amp !== '&' && amp !== '&lt') must = 'refuse';
      } else {
        const span = page.xml.slice(at, at + 1 + random.below(12));
        mutated = random.pick([
          () => page.xml.slice(0, at) + page.xml.slice(at + 1),
          () => insert(page.xml, at, random.pick([...'<>&"\'=/!?;[]-', ']]>', '<!--', '\uD83D', 'x'])),
          () => insert(page.xml, at, span),
          () => page.xml.slice(0, at) + random.pick([...'<>&"\'=/x ']) + page.xml.slice(at + 1),
        ])();
      }
      const whole = outcome(mutated, [mutated.length]);
      const cuts = randomCuts(random, mutated.length);
      const split = outcome(mutated, cuts);
      const label = `${where}, mutation ${m} (${kind} at ${at}), cut ${cuts.join(',')}`;
      assert.deepEqual(split, whole, `${label}: cut differently, read differently`);
      if ('error' in whole) refusedMutations++;
      if (must === 'refuse') assert.ok('error' in whole, `${label}: accepted`);
      if (must === 'same') assert.deepEqual(whole, expected, label);
    }
  }
  // The mutations are meant to be mostly refused: a reader that refused nothing would not be tested here.
  assert.ok(refusedMutations > (PAGES * MUTATIONS_PER_PAGE) / 3, `only ${refusedMutations} mutations refused`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seed = Number(process.argv[2] ?? DEFAULT_SEED);
  fuzzListParser(seed, (index) => process.stdout.write(`page ${index}\n`));
  process.stdout.write(`seed ${seed}: passed\n`);
}
