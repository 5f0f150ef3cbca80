import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runTask } from '../support/azure-devops-task.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';

const azurite = useAzurite();

const BUILD = { 'dist/index.html': '<p>hi</p>', 'dist/assets/app.js': 'x', 'README.md': 'not deployed' };

describe("AzCopy's and Azure File Copy's `dist/*`: the folder's contents", () => {
  it('CLI: "dist/*" and "dist/**" sync what is in dist, subfolders included, with a note', async () => {
    for (const source of ['dist/*', 'dist/**']) {
      const container = await azurite.newContainer();
      const cwd = makeTree(BUILD);
      const run = await runCli([source, '--container', container.containerName], {
        cwd,
        env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual([...(await blobState(container)).keys()].sort(), ['assets/app.js', 'index.html']);
      assert.match(
        run.stdout,
        new RegExp(
          `^The source "${source.replace(/\*/g, '\\*')}" is read as the folder ${path.join(cwd, 'dist').replace(/\//g, '\\/')}: a source is always a folder's whole contents, subfolders included\\.$`,
          'm',
        ),
      );
    }
  });

  it('CLI: an unquoted dist/* that the shell expanded says so, and sends nothing', async () => {
    const cwd = makeTree(BUILD);
    const run = await runCli(['dist/assets', 'dist/index.html', 'http://127.0.0.1:9/devstoreaccount1/site?sig=x'], {
      cwd,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /Got 2 source paths \(dist\/assets, dist\/index\.html\): the shell expanded a pattern such as dist\/\* into what it matches\. Give the folder itself, e\.g\. azure-blob-sync dist <destination>/,
    );
  });

  it('Action: `source: dist/*`', async () => {
    const container = await azurite.newContainer();
    const run = await runAction(
      { source: 'dist/*', container: container.containerName, 'connection-string': azurite.azurite.connectionString },
      { workspace: makeTree(BUILD) },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.log, /^The source "dist\/\*" is read as the folder dist: /m);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['assets/app.js', 'index.html']);
  });

  it('task: `sourcePath: dist/**` (and a literal folder named * still wins)', async () => {
    const container = await azurite.newContainer();
    const workingDirectory = makeTree({ ...BUILD, 'literal/*/only.txt': 'a folder named *' });
    const connection = { authenticationType: 'connectionString', connectionString: azurite.azurite.connectionString };
    const run = await runTask(
      { ...connection, sourcePath: 'dist/**', containerName: container.containerName, destinationPath: 'a' },
      { workingDirectory },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /^The source "dist\/\*\*" is read as the folder dist: /m);
    const literal = await runTask(
      { ...connection, sourcePath: 'literal/*', containerName: container.containerName, destinationPath: 'b' },
      { workingDirectory },
    );
    assert.equal(literal.result?.result, 'Succeeded', literal.stdout);
    assert.doesNotMatch(literal.stdout, /is read as the folder/);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), [
      'a/assets/app.js',
      'a/index.html',
      'b/only.txt',
    ]);
  });

  it('a pattern that is not the whole folder is refused with the include to use instead', async () => {
    const run = await runCli(['dist/*.html', 'http://127.0.0.1:9/devstoreaccount1/site?sig=x'], {
      cwd: makeTree(BUILD),
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /The source "dist\/\*\.html" is a pattern, but a source is a folder \(its whole contents are synced\)\. Give the folder, and the pattern to --include, e\.g\. the folder dist with --include "\*\.html"\./,
    );
  });
});

describe('a variable the pipeline never expanded says so, instead of "does not exist"', () => {
  const MACRO =
    /holds \$\(siteFolder\), the pipeline variable siteFolder is not defined \(Azure Pipelines leaves an undefined \$\(…\) as written\)\. Define siteFolder for this job or stage/;

  it('task: an undefined $(Variable) in sourcePath, and in destinationPath (which would become a folder name)', async () => {
    const connection = { authenticationType: 'connectionString', connectionString: azurite.azurite.connectionString };
    const container = await azurite.newContainer();
    // The agent leaves a macro whose variable is not defined exactly as written.
    const source = await runTask(
      { ...connection, sourcePath: '$(siteFolder)/out', containerName: container.containerName },
      { workingDirectory: makeTree(BUILD) },
    );
    assert.equal(source.result?.result, 'Failed', source.stdout);
    assert.equal(source.code, 2);
    assert.match(source.result?.message ?? '', /^The source ".*\/\$\(siteFolder\)\/out" /);
    assert.match(source.result?.message ?? '', MACRO);
    assert.doesNotMatch(source.result?.message ?? '', /does not exist/);

    const destination = await runTask(
      {
        ...connection,
        sourcePath: 'dist',
        destinationPath: 'releases/$(Build.BuildNumber)',
        containerName: container.containerName,
      },
      { workingDirectory: makeTree(BUILD) },
    );
    assert.equal(destination.result?.result, 'Failed', destination.stdout);
    assert.match(
      destination.result?.message ?? '',
      /^The destination path "releases\/\$\(Build\.BuildNumber\)" holds \$\(Build\.BuildNumber\), the pipeline variable Build\.BuildNumber is not defined/,
    );
    assert.equal((await blobState(container)).size, 0);
  });

  it('CLI: a $(Variable) left as written (a cmd script, or single quotes)', async () => {
    const run = await runCli(['$(siteFolder)/out', 'http://127.0.0.1:9/devstoreaccount1/site?sig=x'], {
      cwd: makeTree(BUILD),
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^azure-blob-sync: error: The source "\$\(siteFolder\)\/out" holds/);
    assert.match(run.stderr, MACRO);
  });

  // The runner evaluates `${{ … }}` wherever a workflow writes it, so the Action sees one only when the text came
  // from a value that is not evaluated again: a variable (`vars.X`) or an output whose value holds the expression.
  // Shell syntax in `with:` is the common slip, since inputs go through no shell.
  it('Action: an expression that came in through a variable, and shell syntax in `with:`', async () => {
    const cases: [string, RegExp][] = [
      [
        '${{ github.workspace }}/dist',
        /holds \$\{\{ github\.workspace \}\}, an expression that was never evaluated .*Write the expression in this input itself/s,
      ],
      [
        '$GITHUB_WORKSPACE/dist',
        /holds \$GITHUB_WORKSPACE, an environment variable no shell expanded \(step inputs are passed as written\), or the folder is missing\.\s+Write \$\{\{ env\.NAME \}\} or \$\{\{ github\.workspace \}\}/,
      ],
    ];
    for (const [source, message] of cases) {
      const run = await runAction(
        { source, container: 'site', 'connection-string': azurite.azurite.connectionString },
        { workspace: makeTree(BUILD) },
      );
      assert.equal(run.code, 2, run.stdout);
      assert.equal(run.errors.length, 1, run.stdout);
      assert.match(run.errors[0]!, message);
    }
  });
});
