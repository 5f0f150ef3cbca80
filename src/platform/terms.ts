import type { OptionKey, OptionTerms } from '../engine/errors.js';

/** `deleteThreshold` → `delete-threshold`, the CLI's and the Action's spelling. */
export function kebabCase(key: OptionKey): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Terms for an entry point whose options are YAML inputs: `` `delete-threshold` ``, `` `force: true` ``. */
export function inputTerms(inputName: (key: OptionKey) => string): OptionTerms {
  return {
    name: (key) => `\`${inputName(key)}\``,
    set: (key, value) => `\`${inputName(key)}: ${value ?? 'true'}\``,
  };
}
