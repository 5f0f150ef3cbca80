import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTask } from '../support/azure-devops-task.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';

// File names are hostile input, and every changed file's name is printed: a name must not read as a command to the
// GitHub runner (a line starting with `::`) or the Azure Pipelines agent (`##vso[` anywhere, `##[` at a line's start).

const azurite = useAzurite();

/** Each name tries a command; the first two need a line break to start a line of their own. */
const HOSTILE = {
  'a\n::warning::injected-annotation.txt': 'a',
  'b\r\n::add-mask::hidden.txt': 'b',
  '##vso[task.setvariable variable=INJECTED]yes.txt': 'c',
  '::error::injected-error.txt': 'd',
  'e\u001b[2Je.txt': 'e',
  'plain.txt': 'f',
};

function assertNoInjectedCommand(stdout: string): void {
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    assert.doesNotMatch(line, /^\s*::(warning|add-mask|error)::(injected|hidden)/, line);
    assert.doesNotMatch(line, /##vso\[task\.setvariable variable=INJECTED/, line);
    assert.ok(!line.includes('\u001b'), JSON.stringify(line));
  }
}

describe('a file named to issue a log command', () => {
  it('is printed escaped by the bundled Action: no annotation, mask or error comes of it', async () => {
    const container = await azurite.newContainer();
    const workspace = makeTree(
      Object.fromEntries(Object.entries(HOSTILE).map(([name, body]) => [`out/${name}`, body])),
    );
    const run = await runAction(
      { source: 'out', container: container.containerName, 'connection-string': azurite.azurite.connectionString },
      { workspace },
    );
    assertNoInjectedCommand(run.stdout);
    assert.deepEqual(
      run.errors.filter((e) => e.includes('injected')),
      [],
    );
    assert.match(run.stdout, /a\\u000a::warning::injected-annotation\.txt/, 'the name is shown, escaped');
    assert.match(run.stdout, /#\\u0023vso\[task\.setvariable variable=INJECTED\]yes\.txt/);
  });

  it('is printed escaped by the bundled task: no variable is set by it', async () => {
    const container = await azurite.newContainer();
    const workingDirectory = makeTree(
      Object.fromEntries(Object.entries(HOSTILE).map(([name, body]) => [`out/${name}`, body])),
    );
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: `${workingDirectory}/out`,
      },
      { workingDirectory },
    );
    assertNoInjectedCommand(run.stdout);
    assert.equal(
      run.commands.some((command) => JSON.stringify(command).includes('INJECTED')),
      false,
      'no command names the variable',
    );
    assert.match(run.stdout, /uploaded {2}#\\u0023vso\[task\.setvariable variable=INJECTED\]yes\.txt/);
  });

  it('is printed escaped by the CLI, which a workflow step runs too', async () => {
    const container = await azurite.newContainer();
    const source = makeTree(HOSTILE);
    const run = await runCli([source, '--container', container.containerName], {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString, CI: 'true' },
    });
    assertNoInjectedCommand(run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /::error::injected-error\.txt/, 'the name is there, not at a line start');
  });
});
