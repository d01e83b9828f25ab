// Lint for the whole tree (npm run lint, part of npm test): typescript-eslint's recommended rules,
// no `any`, and no line of code or comment over 160 characters (a long message stays one string, so
// it can be found with grep). Formatting is prettier's (.prettierrc.json).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'test/fixtures/', 'ansible/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Regular expressions here match aligned terminal output, where a run of spaces reads as it prints.
      'no-regex-spaces': 'off',
      // A variable set before a try block that may throw reads clearer than one left unassigned.
      'no-useless-assignment': 'off',
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
);
