import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { flatCopy } from '../../engine/strings.js';
import { encodedSourceOf, SOURCE_METADATA } from '../../engine/plan/encoding.js';
import type { RemoteBlob } from '../../engine/types.js';

/**
 * What the sync needs of one `<Blob>` of a List Blobs response: its full name in the container, its properties, the
 * `hdi_isfolder` metadata value, which marks an ADLS directory stub, and the sync's own record of an encoded file.
 */
export type ListedBlob = Omit<RemoteBlob, 'blobName'> & { folderMarker?: string };

/**
 * The most characters the response may run without an element boundary, and the longest text of one element. A blob
 * name is at most 1,024 characters and a blob's metadata 8 KB, each up to six times longer escaped: this leaves a wide
 * margin and still keeps a response that never closes a tag from filling the memory.
 */
export const MAX_TOKEN_CHARS = 1024 * 1024;

type PropertyField = Exclude<keyof ListedBlob, 'name' | 'size' | 'folderMarker' | 'source' | 'lastModified' | 'folder'>;
const PROPERTY_FIELDS: Record<string, PropertyField> = {
  'Content-MD5': 'md5',
  Etag: 'etag',
  'Content-Type': 'contentType',
  'Cache-Control': 'cacheControl',
  'Content-Encoding': 'contentEncoding',
  'Content-Language': 'contentLanguage',
  'Content-Disposition': 'contentDisposition',
};

/** The metadata keys kept (lower case: the service matches them case-insensitively). */
const KEPT_METADATA = new Set<string>(Object.values(SOURCE_METADATA));

/**
 * Reads a List Blobs response as it streams in, handing each blob over as soon as its element closes. The SDK instead
 * builds a DOM of the whole page and maps it through its model, a cost per blob a large re-sync feels; this keeps
 * only the fields above. Elements are matched by their place (`Blob/Name`, `Blob/Properties/*`,
 * `Blob/Metadata/hdi_isfolder`, `Blob/Metadata/azsync_*`), since metadata keys may be named like properties.
 * saxes checks the response is well-formed XML 1.0, so a page cut short or garbled fails (and is asked for again)
 * instead of being half read.
 */
export class ListPageParser {
  private readonly parser = new SaxesParser();
  private readonly path: string[] = [];
  private text = '';
  private nameEncoded = false;
  private blob: Partial<ListedBlob> = {};
  private metadata: Record<string, string> | undefined;
  private marker = '';
  /** Characters written, and the parser's position at its last event: the run between them is one token. */
  private written = 0;
  private lastEventAt = 0;

  constructor(
    onBlob: (blob: ListedBlob) => void,
    /** Read each blob's Last-Modified too (a download compares by it where a blob has no MD5); off on the hot path. */
    lastModified = false,
  ) {
    this.parser.on('error', (error) => {
      throw this.notWellFormed(error);
    });
    this.parser.on('doctype', () => {
      throw new Error('the List Blobs response has a DOCTYPE, which the service never sends');
    });
    this.parser.on('opentag', (tag: SaxesTagPlain) => {
      this.lastEventAt = this.parser.position;
      if (this.path.length === 0 && tag.name !== 'EnumerationResults')
        throw new Error('the response is not a List Blobs response: its root element is not <EnumerationResults>');
      this.path.push(tag.name);
      this.text = '';
      if (tag.name === 'Blob' && this.path.at(-2) === 'Blobs') {
        this.blob = {};
        this.metadata = undefined;
      } else if (tag.name === 'Name' && this.path.at(-2) === 'Blob') {
        this.nameEncoded = tag.attributes['Encoded'] === 'true';
      }
    });
    this.parser.on('text', (text) => this.addText(text));
    this.parser.on('cdata', (text) => this.addText(text));
    this.parser.on('closetag', () => {
      this.lastEventAt = this.parser.position;
      const name = this.path.pop()!;
      const parent = this.path.at(-1);
      const grandparent = this.path.at(-2);
      if (name === 'Blob' && parent === 'Blobs') {
        const source = this.metadata && encodedSourceOf(this.metadata);
        if (source) this.blob.source = source;
        if (this.blob.name !== undefined) onBlob({ size: 0, ...this.blob } as ListedBlob);
      } else if (parent === 'Blob' && name === 'Name') {
        // A slice of the page: whoever keeps the blob copies it (see detachedBlob).
        this.blob.name = this.nameEncoded ? decodedName(this.text) : this.text;
      } else if (parent === 'Properties' && grandparent === 'Blob') {
        if (name === 'Content-Length') this.blob.size = Number(this.text);
        else if (name === 'Last-Modified') {
          if (lastModified) this.blob.lastModified = Date.parse(this.text);
        } else if (PROPERTY_FIELDS[name] && this.text !== '')
          this.blob[PROPERTY_FIELDS[name]] = this.value(name, this.text);
      } else if (parent === 'Metadata' && grandparent === 'Blob' && name === 'hdi_isfolder') {
        this.blob.folderMarker = this.text;
      } else if (parent === 'Metadata' && grandparent === 'Blob' && KEPT_METADATA.has(name.toLowerCase())) {
        (this.metadata ??= {})[name.toLowerCase()] = this.text;
      } else if (parent === 'EnumerationResults' && name === 'NextMarker') {
        this.marker = this.text;
      }
      this.text = '';
    });
  }

  private addText(text: string): void {
    this.lastEventAt = this.parser.position;
    this.text = this.text === '' ? text : this.text + text;
    if (this.text.length > MAX_TOKEN_CHARS) throw tooLong();
  }

  /** Header values repeat across a container (every page has the same few types): one copy of each is kept. */
  private readonly seen = new Map<string, string>();

  private value(field: string, text: string): string {
    // Each blob's own: left a slice of the page, like the name.
    if (field === 'Content-MD5' || field === 'Etag') return text;
    let kept = this.seen.get(text);
    if (kept === undefined) {
      kept = flatCopy(text);
      if (this.seen.size < 4096) this.seen.set(kept, kept);
    }
    return kept;
  }

  write(chunk: string): void {
    this.parser.write(chunk);
    this.written += chunk.length;
    if (this.written - this.lastEventAt > MAX_TOKEN_CHARS) throw tooLong();
  }

  /** Ends the document (throwing if it was cut short) and returns the marker of the next page, '' when none. */
  close(): string {
    this.parser.close();
    return this.marker;
  }

  /**
   * saxes says `line:column: reason`, and after some reasons a name from the document: the response's own text stays
   * out of the message.
   */
  private notWellFormed(error: Error): Error {
    const reason = error.message
      .replace(/^\d+:\d+: /, '')
      .split(':')[0]!
      .replace(/\.$/, '');
    const { line, column } = this.parser;
    return new Error(`the List Blobs response is not well-formed XML (line ${line}, column ${column}: ${reason})`);
  }
}

function decodedName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error('the List Blobs response has an encoded blob name that is not valid percent-encoding');
  }
}

function tooLong(): Error {
  return new Error(
    `the List Blobs response has a name, value or tag longer than ${MAX_TOKEN_CHARS} characters, which the service never sends`,
  );
}
