import { NUMBER_PLACEHOLDER } from './options.js';

/** The preview folder of one pull request, relative to the destination path: `pr-{number}` -> `pr-12`. */
export function previewFolder(template: string, pullRequest: number): string {
  return template.replace(NUMBER_PLACEHOLDER, String(pullRequest));
}

/** The glob that matches every preview folder (the templates are plain names, so nothing needs escaping). */
export function previewFolderGlob(template: string): string {
  return template.replace(NUMBER_PLACEHOLDER, '+([0-9])');
}

/** Where the preview folders sit, relative to the destination path ('' when directly under it). */
export function previewParent(template: string): string {
  return template.split('/').slice(0, -1).join('/');
}

/** The pull request a folder name (the template's last segment) belongs to, or undefined when it is no preview. */
export function pullRequestOfFolder(template: string, folderName: string): number | undefined {
  const last = template.split('/').at(-1) ?? '';
  const [before, after] = last.split(NUMBER_PLACEHOLDER) as [string, string];
  if (!folderName.startsWith(before) || !folderName.endsWith(after)) return undefined;
  const digits = folderName.slice(before.length, folderName.length - after.length);
  return /^[0-9]+$/.test(digits) ? Number(digits) : undefined;
}
