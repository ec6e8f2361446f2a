// The workflow-definition model. Everything here is safe in workflow code except hash.ts (node:crypto)
// and files.ts (YAML parsing), which are not re-exported.
export * from './schema.js';
export * from './expressions.js';
export * from './templates.js';
export * from './registry.js';
export * from './validation.js';
export * from './runtime.js';
export * from './builder.js';
