import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import fences that keep the architecture (CONTRIBUTING.md, "Layout"). Patterns start with '**/' so they match a
// relative import from any depth ('../../auth/x.js' as well as '../auth/x.js').
const PLATFORM_PACKAGES = {
  group: [
    '@actions/*',
    'azure-pipelines-task-lib',
    'azure-pipelines-task-lib/*',
    'azure-devops-node-api',
    'azure-devops-node-api/*',
  ],
  message: 'Platform packages belong in src/platform/ (the entry points).',
};
/** Blob Storage's SDK and its pipeline: only the storage room talks to the service. */
const STORAGE_SDK = {
  group: ['@azure/storage-*', '@azure/core-*'],
  message: 'Only src/storage/ talks to Blob Storage: reach it through the storage room.',
};
const rooms = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`, `**/${name}.js`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.azurite/**', 'bench/results/**', 'packaging/**/dist/**', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/platform/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [PLATFORM_PACKAGES, STORAGE_SDK] }] },
  },
  {
    files: ['src/platform/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [STORAGE_SDK] }] },
  },
  {
    // The engine reaches storage, files and services only through its ports, and reports through events.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PLATFORM_PACKAGES,
            { group: ['@azure/*', '@azure/**'], message: 'The engine reaches Azure only through its ports.' },
            {
              group: rooms('auth', 'storage', 'deploy', 'report', 'platform', 'emulator'),
              message: 'The engine depends on nothing outside src/engine/: give it what it needs through its ports.',
            },
          ],
        },
      ],
      'no-console': 'error',
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The engine takes what it needs through its options and ports, not from process.' },
      ],
    },
  },
  {
    // Credentials only: signing in knows nothing of the wire or of what runs after a sync.
    files: ['src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PLATFORM_PACKAGES,
            STORAGE_SDK,
            {
              group: rooms('storage', 'deploy', 'report', 'platform', 'emulator'),
              message: 'src/auth/ holds credentials only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PLATFORM_PACKAGES,
            {
              group: rooms('deploy', 'report', 'platform', 'emulator'),
              message: 'src/storage/ talks to Azure Blob and knows nothing of what uses it.',
            },
          ],
        },
      ],
    },
  },
);
