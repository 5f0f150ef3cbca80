/** One purge request carries at most this many paths; more are collapsed to folder wildcards. */
export const MAX_PURGE_PATHS = 100;

/**
 * The URL paths to purge for the changed blobs: `/` and the blob's full name (destination path included), and for a
 * changed `…/index.html` also its folder's URL (`/docs/`, or `/` for the root page). Beyond `limit` paths, the deepest
 * folder holding two or more of them is purged as `/folder/*` instead, then the next, until at most `limit` remain;
 * at worst the whole destination path (`/<destination-path>/*`, or `/*` at the container root).
 */
export function purgePaths(changedBlobs: readonly string[], limit = MAX_PURGE_PATHS): string[] {
  const paths = new Set<string>();
  for (const name of changedBlobs) {
    paths.add(`/${encodePath(name)}`);
    const slash = name.lastIndexOf('/');
    if (name.slice(slash + 1) === 'index.html') paths.add(`/${encodePath(name.slice(0, slash + 1))}`);
  }
  return collapse([...paths], limit).sort();
}

/**
 * Percent-encodes a blob name as a browser writes it in a URL path: '/' separates segments; characters a path may
 * hold literally (`+`, `@`, `:`, `$`…) stay; `*` becomes `%2A` so that a name never reads as a wildcard.
 */
export function encodePath(name: string): string {
  return name
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/%(21|24|26|2B|2C|3A|3B|3D|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/[!'()*]/g, (c) => (c === '*' ? '%2A' : c)),
    )
    .join('/');
}

interface Folder {
  /** `/a/b/` */
  path: string;
  depth: number;
  parent?: Folder;
  /** Paths currently under it (itself included when it is a folder URL), after the collapses made so far. */
  count: number;
  collapsed: boolean;
}

/** Collapses the deepest crowded folders first, in one pass per depth (a run may change 50,000 files). */
function collapse(paths: string[], limit: number): string[] {
  if (paths.length <= limit) return paths;
  const folders = new Map<string, Folder>();
  const folderOf = (path: string): Folder => {
    let folder = folders.get(path);
    if (!folder) {
      const parentPath = path === '/' ? undefined : path.slice(0, path.slice(0, -1).lastIndexOf('/') + 1);
      const parent = parentPath === undefined ? undefined : folderOf(parentPath);
      folder = { path, depth: parent ? parent.depth + 1 : 0, parent, count: 0, collapsed: false };
      folders.set(path, folder);
    }
    return folder;
  };
  const home = new Map<string, Folder>();
  for (const path of paths) {
    const folder = folderOf(path.slice(0, path.lastIndexOf('/') + 1));
    home.set(path, folder);
    for (let f: Folder | undefined = folder; f; f = f.parent) f.count++;
  }

  let total = paths.length;
  const byDepth = [...folders.values()].sort((a, b) => b.depth - a.depth);
  for (let i = 0; i < byDepth.length && total > limit;) {
    const depth = byDepth[i]!.depth;
    const level: Folder[] = [];
    while (i < byDepth.length && byDepth[i]!.depth === depth) level.push(byDepth[i++]!);
    level.sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1));
    for (const folder of level) {
      if (total <= limit || folder.count < 2) break;
      const saved = folder.count - 1;
      folder.collapsed = true;
      total -= saved;
      folder.count = 1;
      for (let f = folder.parent; f; f = f.parent) f.count -= saved;
    }
  }

  const result = new Set<string>();
  for (const path of paths) {
    let widest: Folder | undefined;
    for (let f: Folder | undefined = home.get(path); f; f = f.parent) if (f.collapsed) widest = f;
    result.add(widest ? `${widest.path}*` : path);
  }
  return [...result];
}
