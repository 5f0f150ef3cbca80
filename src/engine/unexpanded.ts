import { UsageError } from './errors.js';

/** A variable or expression that reached an input as written, and why that happens. */
export interface Unexpanded {
  /** As it appears in the value: `$(site.dir)`, `${{ vars.OUT }}`, `$OUT_DIR`. */
  text: string;
  why: string;
  fix: string;
}

/**
 * Finds text that a pipeline or a shell should have replaced but did not. The agent leaves an undefined `$(Name)` as
 * written; the runner evaluates `${{ … }}` only where the workflow writes it, so one inside a variable's value or an
 * output arrives as text; and neither passes inputs through a shell, so `$NAME` / `%NAME%` arrive as text (on the
 * command line the shell expands those, unless they were quoted). `shellStyle` adds those last forms, which can
 * also be real names (`$web`), so they are only looked for where a name that does not exist needs explaining.
 */
export function findUnexpanded(value: string, shellStyle: boolean): Unexpanded | undefined {
  const macro = /\$\(([A-Za-z_][\w.-]*)\)/.exec(value);
  if (macro) {
    const name = macro[1]!;
    return {
      text: macro[0],
      why: `the pipeline variable ${name} is not defined (Azure Pipelines leaves an undefined $(…) as written)`,
      fix: `Define ${name} for this job or stage (or correct its name), or give the path without it; a GitHub workflow writes it \${{ vars.${name} }} or \${{ env.${name} }}.`,
    };
  }
  const expression = /\$\{\{.*?\}\}|\$\[.*?\]/.exec(value);
  if (expression) {
    return {
      text: expression[0],
      why: 'an expression that was never evaluated (GitHub Actions and Azure Pipelines evaluate one only where the workflow or pipeline writes it, not inside the value of a variable or an output)',
      fix: 'Write the expression in this input itself, or compute the path in an earlier step and pass the result.',
    };
  }
  if (!shellStyle) return undefined;
  const shell = /\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*|%[A-Za-z_]\w*%/.exec(value);
  if (shell) {
    return {
      text: shell[0],
      why: 'an environment variable no shell expanded (step inputs are passed as written), or the folder is missing',
      fix: 'Write ${{ env.NAME }} or ${{ github.workspace }} in a GitHub workflow, $(NAME) in Azure Pipelines, or a path relative to the checkout.',
    };
  }
  return undefined;
}

/** The usage error for an input that still holds a variable: `what` names the input, `value` is as given. */
export function unexpandedError(what: string, value: string, found: Unexpanded): UsageError {
  return new UsageError(`${what} "${value}" holds ${found.text}, ${found.why}.`, found.fix);
}

/** Refuses a value that holds a pipeline variable or expression, which would otherwise become a name as written. */
export function refuseUnexpanded(what: string, value: string | undefined): void {
  const found = value ? findUnexpanded(value, false) : undefined;
  if (found) throw unexpandedError(what, value!, found);
}
