// Type-checked rules of typescript-eslint over the sources, tests and benchmark.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'data/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A caught value passed on as it came (catch (err) { reject(err) }) is as right as rethrowing it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `const { a: _, ...rest } = o` leaves a key out; `for (const _ of gen)` drives a generator for its effects.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_$' }],
    },
  },
  {
    // Short functions and lines in the sources (issue 15); tests and benchmark only the lines.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60 }],
      'max-len': ['error', { code: 120, ignoreUrls: false }],
    },
  },
  {
    files: ['test/**/*.{ts,mjs,js}', 'bench/**/*.ts', '*.ts'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: false }] },
  },
  // Plain scripts run under Node.js: its globals, and no type information to check against.
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
);
