// Apart from inputs.ts, which loads azure-pipelines-task-lib (it writes a .taskkey file where it is loaded).

/**
 * `sourcePath` is a filePath input, which the agent "translates" before the task starts: on Windows every '/' becomes
 * '\\', and a value that is not rooted is joined to the sources folder (`/home/vsts/work/1/s/https:/acct…`). A
 * container URL is taken back out of that.
 */
export function recoverUrl(value: string): string {
  const match = /(https?):[\\/]+(.*)$/i.exec(value);
  if (!match) return value;
  return `${match[1]!.toLowerCase()}://${match[2]!.replace(/\\/g, '/')}`;
}
