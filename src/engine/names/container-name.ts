import { UsageError } from '../errors.js';
import { refuseUnexpanded } from '../unexpanded.js';

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export function validateContainerName(name: string | undefined): string {
  if (!name) {
    throw new UsageError('No container was given.', 'Name the container to sync into (3-63 characters: a-z, 0-9, -).');
  }
  refuseUnexpanded('The container name', name);
  if (name !== '$web' && name !== '$root' && !CONTAINER_NAME.test(name)) {
    throw new UsageError(
      `"${name}" is not a valid container name.`,
      'Container names are 3-63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit (or "$web" / "$root").',
    );
  }
  return name;
}
