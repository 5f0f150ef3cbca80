/** The smallest workflow that signs in with OIDC, shown when a run has no way to sign in. */
export function minimalWorkflow(env: NodeJS.ProcessEnv): string {
  // The runner names the running action, so the example can be pasted as is.
  const uses =
    env.GITHUB_ACTION_REPOSITORY && env.GITHUB_ACTION_REF
      ? `${env.GITHUB_ACTION_REPOSITORY}@${env.GITHUB_ACTION_REF}`
      : 'OWNER/azure-blob-sync@v1';
  return [
    '  permissions:',
    '    id-token: write',
    '    contents: read',
    '  steps:',
    `    - uses: ${uses}`,
    '      with:',
    '        source: dist',
    '        storage-account: mystorageaccount',
    '        container: $web',
    '        client-id: ${{ vars.AZURE_CLIENT_ID }}',
    '        tenant-id: ${{ vars.AZURE_TENANT_ID }}',
  ].join('\n');
}
