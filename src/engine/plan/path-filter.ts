import { Minimatch } from 'minimatch';

/**
 * Include/exclude filtering with gitignore-like expectations: a pattern without '/' matches a name at any depth
 * (`*.map`), hidden files are ordinary files, and an excluded folder excludes everything below it (`node_modules`).
 */
export class PathFilter {
  private readonly includes: Minimatch[];
  private readonly excludes: Minimatch[];

  constructor(include: readonly string[], exclude: readonly string[]) {
    const compile = (p: string) => new Minimatch(p.replace(/\\/g, '/').replace(/^\.?\//, ''), MATCH_OPTIONS);
    this.includes = (include.length ? include : ['**']).map(compile);
    this.excludes = exclude.map(compile);
  }

  /** True when every file takes part: no include pattern but the default, no exclude. */
  get takesAll(): boolean {
    return this.excludes.length === 0 && this.includes.length === 1 && this.includes[0]!.pattern === '**';
  }

  /** True when a file at this '/'-joined relative path takes part in the sync. */
  matches(relativePath: string): boolean {
    return this.includes.some((m) => m.match(relativePath)) && !this.isExcluded(relativePath);
  }

  /** True when the folder itself is excluded, so the scan need not descend into it. */
  excludesFolder(relativeDir: string): boolean {
    return this.excludes.some((m) => m.match(relativeDir));
  }

  private isExcluded(relativePath: string): boolean {
    if (this.excludes.length === 0) return false;
    if (this.excludes.some((m) => m.match(relativePath))) return true;
    // An excluded ancestor folder excludes the file too.
    for (let i = relativePath.indexOf('/'); i > 0; i = relativePath.indexOf('/', i + 1)) {
      if (this.excludesFolder(relativePath.slice(0, i))) return true;
    }
    return false;
  }
}

const MATCH_OPTIONS = { dot: true, matchBase: true, nocomment: true, nonegate: true } as const;
