// ESLint (flat config), run by `npm test` (scripts/lint.mjs) and `npm run lint`.
// A few rules that catch real bugs, all without type information: rules that need the type
// checker (no-floating-promises, no-misused-promises) cost a full second compile (measured in
// docs/architecture.md); `tsc --noEmit` already checks types, unused names and returns.
import tseslint from 'typescript-eslint';

/** `eslint-disable` comments must say why: `// eslint-disable-next-line rule -- reason`. */
const reasonedDisables = {
  meta: { type: 'problem', schema: [], messages: { reason: 'say why: `-- <reason>` after the rule name' } },
  create(context) {
    return {
      Program() {
        for (const c of context.sourceCode.getAllComments()) {
          if (/^\s*eslint-disable/.test(c.value) && !/\s--\s*\S/.test(c.value)) context.report({ loc: c.loc, messageId: 'reason' });
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/type-fixtures/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin, rustchat: { rules: { 'reasoned-disables': reasonedDisables } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'rustchat/reasoned-disables': 'error',
      // Bugs the compiler lets through.
      'no-async-promise-executor': 'error',
      'no-compare-neg-zero': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-constant-binary-expression': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-debugger': 'error',
      'no-dupe-else-if': 'error',
      'no-duplicate-case': 'error',
      'no-empty-pattern': 'error',
      'no-fallthrough': 'error',
      'no-self-assign': 'error',
      'no-self-compare': 'error',
      'no-sparse-arrays': 'error',
      'no-template-curly-in-string': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-optional-chaining': 'error',
      'no-useless-backreference': 'error',
      'no-var': 'error',
      'require-yield': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description', minimumDescriptionLength: 5 }],
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      '@typescript-eslint/no-misused-new': 'error',
      '@typescript-eslint/no-non-null-asserted-optional-chain': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'error',
      '@typescript-eslint/prefer-as-const': 'error',
    },
  },
  {
    // Production code: `any` only where a library forces it, with the reason beside it
    // (`// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <reason>`).
    files: ['src/**/*.ts', 'web/src/**/*.ts', 'web/src/**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
);
