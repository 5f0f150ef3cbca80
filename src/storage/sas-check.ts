import { AuthError, type OptionTerms } from '../engine/errors.js';

const PERMISSION_NAMES: Record<string, string> = { l: 'list (l)', w: 'write (w)', d: 'delete (d)' };

/**
 * The least a sync's SAS needs, in the service's order: write (which creates blobs too, so `c` is not needed) and
 * list, plus delete for deletes. Read is not needed: the listing carries every MD5 and header the diff compares, and
 * --immutable's checks list too. Only resuming an interrupted large upload reads (its block list), and is skipped
 * without it.
 */
export function leastPermissions(needs: { delete: boolean }): string {
  return needs.delete ? 'wdl' : 'wl';
}

/**
 * Reads what a SAS in the container URL allows and refuses up front what it cannot do, before anything is sent:
 * otherwise an expired token or a missing `d` shows up only after the uploads, half-way through a mirror.
 */
export function checkSasGrants(containerUrl: string, needs: { write: boolean; delete: boolean }): void {
  const query = new URL(containerUrl).searchParams;
  if (!query.has('sig')) return;
  const expiry = query.get('se');
  if (expiry && Date.parse(expiry) <= Date.now()) {
    throw new AuthError(
      `The SAS token expired at ${expiry} (se=).`,
      `Generate a new one with a later expiry, e.g. az storage container generate-sas --permissions ${leastPermissions(needs)} --expiry <date>.`,
    );
  }
  const services = query.get('ss');
  if (services && !services.includes('b')) {
    throw new AuthError(
      `The account SAS is not valid for the Blob service (ss=${services}).`,
      'Generate one with ss=b (and srt=co).',
    );
  }
  const resourceTypes = query.get('srt');
  if (resourceTypes && !(resourceTypes.includes('c') && resourceTypes.includes('o'))) {
    throw new AuthError(
      `The account SAS does not cover containers and blobs (srt=${resourceTypes}).`,
      'Generate one with srt=co: a sync lists the container and writes blobs.',
    );
  }
  const granted = query.get('sp');
  if (granted === null) return;
  const needed = ['l', ...(needs.write ? ['w'] : []), ...(needs.delete ? ['d'] : [])];
  const missing = needed.filter((p) => !granted.includes(p));
  if (missing.length > 0) {
    const suggested = leastPermissions(needs);
    throw new AuthError(
      `The SAS token grants "${granted}" but this sync also needs ${missing.map((p) => PERMISSION_NAMES[p]).join(' and ')}. Nothing was changed.`,
      `Generate a SAS with sp=${suggested}, e.g. az storage container generate-sas --permissions ${suggested}.`,
    );
  }
}

/**
 * Whether the credential in the container URL may read blobs: false only for a SAS whose permissions leave out `r`
 * (then the blocks an interrupted upload left cannot be listed, and large files are uploaded whole).
 */
export function sasMayRead(containerUrl: string): boolean {
  const query = new URL(containerUrl).searchParams;
  const granted = query.get('sp');
  return !query.has('sig') || granted === null || granted.includes('r');
}

/** An expired source SAS, or one that cannot list (l) or read (r), is refused before anything is sent. */
export function checkSourceSas(sas: string): void {
  const query = new URLSearchParams(sas);
  const hint = (t: OptionTerms) =>
    `Generate a SAS for the source container with r and l, e.g. az storage container generate-sas --permissions rl --expiry <date>, and pass it in ${t.name('sourceSasToken')}.`;
  const expiry = query.get('se');
  if (expiry && Date.parse(expiry) <= Date.now()) {
    throw new AuthError(`The source's SAS expired at ${expiry} (se=). Nothing was changed.`, hint);
  }
  const services = query.get('ss');
  if (services && !services.includes('b')) {
    throw new AuthError(`The source's account SAS is not valid for the Blob service (ss=${services}).`, hint);
  }
  const resourceTypes = query.get('srt');
  if (resourceTypes && !(resourceTypes.includes('c') && resourceTypes.includes('o'))) {
    throw new AuthError(`The source's account SAS does not cover containers and blobs (srt=${resourceTypes}).`, hint);
  }
  const granted = query.get('sp');
  if (granted === null) return;
  const missing = [
    ['r', 'read (r)'],
    ['l', 'list (l)'],
  ].filter(([letter]) => !granted.includes(letter!));
  if (missing.length > 0) {
    throw new AuthError(
      `The source's SAS grants "${granted}" but copying from it needs ${missing.map(([, name]) => name).join(' and ')}. Nothing was changed.`,
      hint,
    );
  }
}
