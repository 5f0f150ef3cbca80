/**
 * A log line made safe to print when it holds names from a source folder or a container, which are hostile input. A
 * CI log reads some lines as commands: the GitHub runner a line that starts with `::` (`::add-mask::`,
 * `::stop-commands::`…), the Azure Pipelines agent `##vso[` anywhere in a line and `##[` at its start. So every line
 * break and other control character is shown as an escape (a name cannot start a line of its own, nor move a
 * terminal's cursor), and those sequences are broken with an escaped character. A line without them is unchanged.
 */
export function logSafe(line: string): string {
  return line
    .replace(CONTROL, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(AGENT_COMMAND, '#\\u0023$1[')
    .replace(RUNNER_COMMAND, '$1\\u003a:');
}

/** C0 controls but tab, DEL, C1 controls, and the two Unicode line separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;
const AGENT_COMMAND = /##(vso)?\[/gi;
const RUNNER_COMMAND = /^(\s*)::/;
