import { normalizeSas, parseContainerUrl, type ContainerUrl } from '../auth/urls.js';
import { UsageError } from '../engine/errors.js';
import { checkSourceSas } from './sas-check.js';

/** A source given as a container URL, with the SAS that came with it (in the URL or its own input). */
export interface SourceUrl {
  url: ContainerUrl;
  sas?: string;
}

/** Takes the source URL apart and checks its SAS before anything is sent, so a bad one costs no sign-in. */
export function parseSourceUrl(text: string, sasToken: string | undefined): SourceUrl {
  const url = parseContainerUrl(text.trim(), 'source');
  if (url.sas && sasToken) {
    throw new UsageError(
      (t) => `The source's SAS was given twice: in the ${t.name('source')} URL and in ${t.name('sourceSasToken')}.`,
      'Keep one of them (a secret input is the safer place).',
    );
  }
  const sas = url.sas ? normalizeSas(url.sas) : sasToken ? normalizeSas(sasToken) : undefined;
  if (sas) checkSourceSas(sas);
  return { url: { ...url, sas: '' }, sas };
}
