// ESLint (typescript-eslint) for the whole repository; formatting is Prettier's (.prettierrc.json),
// the import direction between runtime and tooling is dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'generated/',
      'gateway/playground/static/',
      '.data/',
      'bench/reports/',
      'bench/results/',
      'coverage/',
      // Vendored as upstream wrote it (tests/federation-audit/README.md): refreshed by copying, not edited.
      'tests/federation-audit/suites/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-console': 'off',
      // Regexes over SDL text match its indentation literally, which reads better than {2}.
      'no-regex-spaces': 'off',
      // Flags the defaults that a finally block or a failure path reads after a try assigns them.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Type-aware checks on every TypeScript file, runtime and tooling alike: in a codebase that is
    // mostly async, a promise nobody awaits or catches is a lost error or an unhandled rejection.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON answers loosely.
    files: ['tests/**', '**/*.test.ts', '**/*.e2e.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The playground's browser script: React, ReactDOM and GraphiQL come from the page's bundles.
    files: ['gateway/playground/app.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, React: 'readonly', ReactDOM: 'readonly', GraphiQL: 'readonly' },
    },
  },
);
