/** The pull request a run builds, as its platform describes it. */
export interface PullRequestContext {
  number: number;
  /** The pull request was closed (GitHub's `closed` action): the preview is removed instead of deployed. */
  closed: boolean;
  /** The commit the run built (the pull request's head). */
  commit?: string;
}

/** What became of a comment: written, or not (and why, for the log). Never a failed deploy. */
export type CommentOutcome = { status: 'created' | 'updated' } | { status: 'skipped'; warning?: string; note?: string };

/**
 * Keeps one comment (GitHub) or thread (Azure DevOps) per pull request and preview: found by the hidden marker in
 * its text, created once, updated in place. A refusal (no token, no permission) is returned as a warning naming
 * what to grant, never thrown.
 */
export interface PullRequestCommenter {
  upsert(pullRequest: number, marker: string, body: string): Promise<CommentOutcome>;
}
