// Lint: strict TypeScript rules that catch real bugs (floating promises above all),
// plus the layering rule of DESIGN.md: the core never imports a module, and a
// module imports only the module SDK.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The core's layering (DESIGN.md "The parts"): the src/ folders each folder may import.
// Read bottom-up: the SDK (mgr-module) imports nothing of the core, protocol knows no
// state, commands get a narrow context and never the Mgr. No folder reaches back up.
const LAYERS = {
  'mgr-module': [],
  common: ['mgr-module'],
  protocol: ['common', 'mgr-module'],
  state: ['common', 'mgr-module', 'protocol'],
  client: ['common', 'mgr-module', 'protocol'],
  server: ['common', 'mgr-module', 'protocol', 'state'],
  registry: ['common', 'mgr-module'],
  admin: ['client', 'common', 'mgr-module'],
  commands: ['common', 'mgr-module', 'protocol', 'registry', 'server', 'state'],
  agent: ['client', 'common', 'mgr-module', 'protocol', 'state'],
  sim: ['client', 'common', 'mgr-module', 'protocol', 'state'],
  mgr: ['admin', 'client', 'commands', 'common', 'mgr-module', 'protocol', 'registry', 'server', 'state'],
  cli: ['admin', 'agent', 'client', 'commands', 'common', 'mgr', 'mgr-module', 'protocol', 'registry', 'server', 'sim', 'state'],
};
const layerZones = Object.entries(LAYERS).map(([folder, may]) => ({
  target: `./src/${folder}`,
  from: './src',
  except: [folder, ...may].map((f) => `./${f}`),
  message: `src/${folder} may import only ${may.length ? may.map((f) => `src/${f}`).join(', ') : 'itself'} (the layering in eslint.config.mjs).`,
}));

// import-x reads a dependency only if its extension is listed and a parser is named for it: without
// these two, no-cycle never saw a .ts file and passed every cycle (the dashboard's http-app/api-routes).
const importSettings = {
  'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
  'import-x/extensions': ['.ts', '.tsx', '.js'],
  'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/out/**', 'dashboards/out/**', '.mgrd/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      // Runtime circles (type-only imports are erased and do not count; the layering above covers them).
      'import-x/no-cycle': 'error',
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/exporters/**', '**/modules/**', '../exporters/*', '../modules/*'], message: 'The core never imports a module (DESIGN.md "Layout").' }],
      }],
    },
  },
  {
    // Runtime circles inside a module too (the dashboard's http-app/api-routes once imported each other).
    files: ['modules/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: importSettings,
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    files: ['exporters/**/*.ts', 'modules/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/src/**', '!**/src/mgr-module', '!**/src/mgr-module/index.js'],
          message: 'Modules import only the module SDK (src/mgr-module/index.js).',
        }],
      }],
    },
  },
  {
    // The dashboard's browser code (bundled by scripts/build-dashboard.mjs, its own tsconfig).
    files: ['modules/dashboard/frontend/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
