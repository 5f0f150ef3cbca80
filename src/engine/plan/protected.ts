import { Minimatch } from 'minimatch';

/**
 * Folders the sync never touches as extras: a blob under a folder matching one of the patterns (relative to the
 * destination path) is never planned for deletion and is not counted by the delete guard. A production sync uses it to
 * leave the pull-request previews beside it alone, even with deletes on.
 */
export class ProtectedFolders {
  private readonly patterns: Minimatch[];

  constructor(patterns: readonly string[] = []) {
    this.patterns = patterns.map((p) => new Minimatch(p, { dot: true, nocomment: true, nonegate: true }));
  }

  /** True when one of the name's parent folders matches a pattern. */
  covers(relativeName: string): boolean {
    if (this.patterns.length === 0) return false;
    for (let i = relativeName.indexOf('/'); i > 0; i = relativeName.indexOf('/', i + 1)) {
      const folder = relativeName.slice(0, i);
      if (this.patterns.some((m) => m.match(folder))) return true;
    }
    return false;
  }
}
