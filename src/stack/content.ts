import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { ContentError, parseContent, type ContentIssue } from '../domain/content.js';
import { DirectoryFile } from '../domain/permissions/directory.js';
import { FleetFile } from '../domain/endpoints/fleet.js';
import { HelpdesksConfig } from '../domain/sources/helpdesks.js';
import { NotifyConfig } from '../domain/notify.js';
import { SelfServiceCatalog } from '../domain/selfService/catalog.js';
import { RedactionPolicy } from '../domain/records/redactionPolicy.js';
import { SoftwareCatalog } from '../domain/endpoints/software.js';
import { DecisionTree } from '../domain/trees/tree.js';
import { definitionSet } from '../domain/definitions/files.js';
import type { Definition } from '../domain/definitions/schema.js';
import { formatTreeIssue, validateTrees } from '../domain/trees/validation.js';
import { DIAGNOSTICS, REMEDIATION_NAMES } from '../domain/endpoints/diagnostics.js';
import { PermissionPolicy } from '../domain/permissions/permission.js';
import { RoutingConfig } from '../domain/tickets/routing.js';
import { alertRuleIssues, AlertRoutingConfig } from '../domain/tickets/alertRouting.js';

/** The definitions the engine runs on, read from the content folder and validated together. */
export interface Content {
  routing: RoutingConfig;
  policy: PermissionPolicy;
  directory: DirectoryFile;
  helpdesks: HelpdesksConfig;
  software: SoftwareCatalog;
  fleet: FleetFile;
  /** How documents, logs and tickets mask personal data and secrets (content/redaction.yaml). */
  redaction: RedactionPolicy;
  /** Published self-service automations (content/selfservice.yaml). */
  selfService: SelfServiceCatalog;
  /** Troubleshooting trees (content/trees/*.yaml) by id, validated together. */
  trees: Record<string, DecisionTree>;
  /** Chat channels (Slack / Teams incoming webhooks) notifications can go to (content/notify.yaml). */
  notify: NotifyConfig;
  /** Support workflow definitions (content/definitions/*.yaml|json) by id, checked against policy, trees and channels. */
  definitions: Record<string, Definition>;
  /** Monitoring alerts (Prometheus Alertmanager) that start definitions (content/alerts.yaml). */
  alerts: AlertRoutingConfig;
}

const FILES: { [K in Exclude<keyof Content, 'trees' | 'definitions'>]: readonly [string, z.ZodType] } = {
  routing: ['routing.yaml', RoutingConfig],
  policy: ['policy.yaml', PermissionPolicy],
  directory: ['directory.yaml', DirectoryFile],
  helpdesks: ['helpdesks.yaml', HelpdesksConfig],
  software: ['software.yaml', SoftwareCatalog],
  fleet: ['fleet.yaml', FleetFile],
  selfService: ['selfservice.yaml', SelfServiceCatalog],
  redaction: ['redaction.yaml', RedactionPolicy],
  notify: ['notify.yaml', NotifyConfig],
  alerts: ['alerts.yaml', AlertRoutingConfig],
} as const;

export async function loadContentFile<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ContentError([{ file: path, path: '(file)', message: `cannot be read: ${(e as Error).message}` }]);
  }
  return parseContent(text, schema, path);
}

/** Loads every content file and reports the problems of all of them at once. */
export async function loadContent(dir: string): Promise<Content> {
  const issues: ContentIssue[] = [];
  const out: Partial<Record<keyof Content, unknown>> = {};
  for (const [key, [file, schema]] of Object.entries(FILES) as Array<[keyof Content, readonly [string, z.ZodType]]>) {
    try {
      out[key] = await loadContentFile(join(dir, file), schema);
    } catch (e) {
      if (e instanceof ContentError) issues.push(...e.issues);
      else throw e;
    }
  }
  out.trees = await loadTrees(join(dir, 'trees'), issues);
  // Routing rules that start a troubleshooting session must name a tree that exists.
  const routing = out.routing as RoutingConfig | undefined;
  routing?.rules.forEach((rule, i) => {
    if (rule.start?.workflow !== 'troubleshootSession') return;
    const tree = rule.start.input.tree;
    if (!tree || !('const' in tree) || !(out.trees as Record<string, DecisionTree>)[String(tree.const)]) {
      issues.push({
        file: join(dir, 'routing.yaml'),
        path: `rules[${i}].start.input.tree`,
        message: 'troubleshootSession needs `tree: { const: <id> }` naming a tree in content/trees',
      });
    }
  });
  out.definitions = await loadDefinitions(join(dir, 'definitions'), out, issues);
  // Routing rules that start a definition must name one that exists, and give it only inputs it has.
  routing?.rules.forEach((rule, i) => {
    const id = rule.start?.definition;
    if (id === undefined) return;
    const def = (out.definitions as Content['definitions'])[id];
    if (!def) {
      issues.push({ file: join(dir, 'routing.yaml'), path: `rules[${i}].start.definition`, message: `no definition "${id}" in content/definitions` });
      return;
    }
    for (const name of Object.keys(rule.start!.input)) {
      if (!Object.hasOwn(def.inputs, name))
        issues.push({
          file: join(dir, 'routing.yaml'),
          path: `rules[${i}].start.input.${name}`,
          message: `definition ${id} has no input "${name}" (it takes: ${Object.keys(def.inputs).join(', ')})`,
        });
    }
  });
  // Alert rules must start a definition that exists, with inputs it takes and every one it requires.
  if (out.alerts) {
    for (const issue of alertRuleIssues(out.alerts as AlertRoutingConfig, out.definitions as Content['definitions']))
      issues.push({ file: join(dir, 'alerts.yaml'), ...issue });
  }
  if (issues.length > 0) throw new ContentError(issues);
  return out as Content;
}

/**
 * Every tree file in the folder, parsed (file:line errors) and then validated as a set: references
 * between trees, diagnostics and remediations the endpoint adapter knows.
 */
async function loadTrees(dir: string, issues: ContentIssue[]): Promise<Record<string, DecisionTree>> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch {
    return {};
  }
  const trees: DecisionTree[] = [];
  const fileOf = new Map<string, string>();
  for (const file of files) {
    try {
      const tree = await loadContentFile(join(dir, file), DecisionTree);
      trees.push(tree);
      fileOf.set(tree.id, join(dir, file));
    } catch (e) {
      if (e instanceof ContentError) issues.push(...e.issues);
      else throw e;
    }
  }
  for (const issue of validateTrees(trees, { checks: DIAGNOSTICS, actions: REMEDIATION_NAMES })) {
    issues.push({ file: fileOf.get(issue.tree) ?? dir, path: issue.path, message: formatTreeIssue(issue) });
  }
  return Object.fromEntries(trees.map((t) => [t.id, t]));
}

/**
 * Every definition file in the folder, parsed and validated (file:line errors) against the policy
 * actions, trees, chat channels, diagnostics, remediations and software of the other files. A check
 * whose file failed to load is left out, so one broken file is reported once.
 */
async function loadDefinitions(dir: string, out: Partial<Record<keyof Content, unknown>>, issues: ContentIssue[]): Promise<Record<string, Definition>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch {
    return {};
  }
  const files = await Promise.all(names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })));
  const policy = out.policy as PermissionPolicy | undefined;
  const result = definitionSet(files, {
    policyActions: policy && Object.keys(policy.actions),
    trees: Object.keys(out.trees as Record<string, DecisionTree>),
    chatChannels: out.notify ? Object.keys((out.notify as NotifyConfig).channels) : undefined,
    diagnostics: [...DIAGNOSTICS],
    remediations: [...REMEDIATION_NAMES],
    software: out.software ? (out.software as SoftwareCatalog).software.map((s) => s.id) : undefined,
  });
  issues.push(...result.issues);
  return result.definitions;
}
