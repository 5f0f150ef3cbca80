import { unsafeBlobName } from './blob-name.js';

/**
 * The one place a blob name becomes a local path, for a download. Blob names are hostile input (another tool, or
 * anyone with write access to the container, chose them), so a name that cannot be a safe path inside the local
 * folder fails on its own and nothing is written for it.
 */

/** The longest file or folder name most file systems hold, in bytes (ext4, APFS, NTFS in UTF-16 units). */
const MAX_SEGMENT = 255;
/** The longest path Linux takes in one system call, in bytes; Windows goes further with Node's long-path support. */
const MAX_POSIX_PATH = 4095;
const MAX_WINDOWS_PATH = 32_000;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;

/** A control character (U+0000 to U+001F), which Windows refuses in file names. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

export interface LocalPathRules {
  /** `win32` adds Windows' rules (reserved device names, `<>:"|?*`, a trailing dot or space). */
  platform: NodeJS.Platform;
  /** The local folder's absolute path, for the length of the whole path. */
  root: string;
}

/**
 * Why a blob's name (relative to the folder being downloaded) cannot be written as a file inside the local folder, or
 * undefined when it can: the addressing check of blob names, then what a file system refuses or would resolve.
 */
export function localPathProblem(name: string, rules: LocalPathRules): string | undefined {
  const unsafe = unsafeBlobName(name);
  if (unsafe) return unsafe;
  if (name.includes('\0')) return 'its name holds a NUL character, which no file name can';
  if (name.includes('\\')) return 'its name holds a "\\", a path separator on Windows';
  const windows = rules.platform === 'win32';
  for (const segment of name.split('/')) {
    const length = windows ? segment.length : Buffer.byteLength(segment);
    if (length > MAX_SEGMENT)
      return `a part of its path is ${length} ${windows ? 'characters' : 'bytes'} long; file systems hold ${MAX_SEGMENT}`;
    if (!windows) continue;
    if (WINDOWS_FORBIDDEN.test(segment) || hasControl(segment))
      return `"${segment}" holds a character Windows refuses in file names (<>:"|?* or a control character)`;
    if (/[. ]$/.test(segment)) return `"${segment}" ends in a dot or a space, which Windows drops from file names`;
    if (WINDOWS_RESERVED.test(segment)) return `"${segment}" is a device name Windows reserves (CON, NUL, COM1, …)`;
  }
  const full = windows
    ? rules.root.length + 1 + name.length
    : Buffer.byteLength(rules.root) + 1 + Buffer.byteLength(name);
  const limit = windows ? MAX_WINDOWS_PATH : MAX_POSIX_PATH;
  if (full > limit)
    return `its local path would be ${full} ${windows ? 'characters' : 'bytes'} long; the limit is ${limit}`;
  return undefined;
}

/** A name that cannot be written, and why. */
export interface PathClash {
  name: string;
  reason: string;
}

/**
 * Names that cannot all be files of one folder: a name that is also a folder of another (`a` and `a/b`: the file `a`
 * fails, the folder's files are written), and, on a case-insensitive file system, names that differ only by case
 * (each fails: whichever were written, the other would be lost). `names` in any order; returned in name order.
 */
export function pathClashes(names: readonly string[], caseInsensitive: boolean): PathClash[] {
  const key = caseInsensitive ? (name: string) => name.toLowerCase() : (name: string) => name;
  const folders = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const name of names) {
    const keyed = key(name);
    const same = byKey.get(keyed);
    if (same) same.push(name);
    else byKey.set(keyed, [name]);
    for (let slash = keyed.indexOf('/'); slash >= 0; slash = keyed.indexOf('/', slash + 1))
      folders.add(keyed.slice(0, slash));
  }
  const clashes: PathClash[] = [];
  for (const [keyed, same] of byKey) {
    if (folders.has(keyed)) {
      for (const name of same)
        clashes.push({
          name,
          reason: `"${name}" is also the folder of other blobs (${name}/…), and a path cannot be both a file and a folder`,
        });
    } else if (same.length > 1) {
      for (const name of same) {
        const others = same.filter((other) => other !== name).map((other) => `"${other}"`);
        clashes.push({
          name,
          reason: `it differs from ${others.join(', ')} only by case, and this file system does not tell them apart`,
        });
      }
    }
  }
  return clashes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
