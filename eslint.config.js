import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The engine stays platform-free: entry points translate its events.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*', 'azure-pipelines-task-lib', 'azure-pipelines-task-lib/*'],
              message: 'The engine must not import a platform package.',
            },
            {
              group: ['../platform/*', '../auth/*', '../emulator/*'],
              message: 'The engine must not depend on entry points.',
            },
          ],
        },
      ],
      'no-console': 'error',
    },
  },
);
