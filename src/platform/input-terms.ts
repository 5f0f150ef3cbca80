import { FLAGS } from './cli/args.js';

/**
 * The engine's hints name CLI flags; the Action and the task name their inputs instead (`--force` → `force: true`).
 * Flags of other tools quoted in a hint (`az ... --permissions rwl`) stay as they are.
 */
export function inInputTerms(text: string, inputName: (flag: string) => string): string {
  return text.replace(/--([a-z][a-z-]*)/g, (flag, name: string) => {
    if (!Object.hasOwn(FLAGS, name)) return flag;
    const isSwitch = FLAGS[name as keyof typeof FLAGS].type === 'boolean';
    return `\`${inputName(name)}${isSwitch ? ': true' : ''}\``;
  });
}
