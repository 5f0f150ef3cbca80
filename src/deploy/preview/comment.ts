import type { SyncSummary } from '../../engine/types.js';

/** Changed pages listed in a comment before "and N more". */
export const MAX_LISTED_PAGES = 10;

/** The hidden text that finds this preview's comment again: one comment per pull request and preview folder. */
export function commentMarker(previewLabel: string): string {
  return `<!-- azure-blob-sync preview: ${previewLabel.replace(/--/g, '- -')} -->`;
}

export interface DeployedComment {
  marker: string;
  url: string;
  commit?: string;
  summary: SyncSummary;
  /** Changed pages, as links. */
  pages: { name: string; url: string }[];
}

export function deployedComment({ marker, url, commit, summary, pages }: DeployedComment): string {
  const lines = [marker, `### 🔎 Preview deployed`, '', `**${url}**`, ''];
  const counts = `${summary.uploaded} uploaded, ${summary.updated} updated, ${summary.deleted} deleted, ${summary.skipped} unchanged${summary.failed ? `, ${summary.failed} failed` : ''}`;
  lines.push(`${commit ? `Commit \`${commit.slice(0, 12)}\`: ` : ''}${counts}.`);
  if (pages.length > 0) {
    lines.push('', 'Changed pages:', '');
    for (const page of pages.slice(0, MAX_LISTED_PAGES)) lines.push(`- [${escapeLink(page.name)}](${page.url})`);
    const more = pages.length - MAX_LISTED_PAGES;
    if (more > 0) lines.push(`- …and ${more} more`);
  }
  lines.push('', `<sub>Updated ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} by azure-blob-sync.</sub>`);
  return lines.join('\n');
}

export function removedComment(marker: string, url: string, why: string): string {
  return [marker, `### Preview removed`, '', `The preview at ${url} was removed ${why}.`].join('\n');
}

function escapeLink(text: string): string {
  return text.replace(/[[\]\\]/g, (c) => `\\${c}`);
}
