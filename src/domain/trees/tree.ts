import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../records/audit.js';

// Decision trees for guided troubleshooting (content/trees/*.yaml). This file holds the format;
// validation lives in treeValidation.ts and navigation in treeNavigation.ts.

const NodeId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A condition on one field of a check's result. Safe and deterministic: no code, no clock. */
export const Condition = z.union([
  z.strictObject({ field: z.string().min(1), equals: Scalar }),
  z.strictObject({ field: z.string().min(1), in: z.array(Scalar).min(1) }),
  z.strictObject({ field: z.string().min(1), lessThan: z.number() }),
  z.strictObject({ field: z.string().min(1), atLeast: z.number() }),
]);
export type Condition = z.infer<typeof Condition>;

const Base = {
  id: NodeId,
  /** Allows a bounded loop through this node (e.g. "check again after the restart"). */
  maxVisits: z.number().int().min(2).max(20).optional(),
};

export const QuestionNode = z.strictObject({
  ...Base,
  kind: z.literal('question'),
  prompt: z.string().min(1),
  /** Why the question matters, for junior staff. */
  help: z.string().optional(),
  choices: z.array(z.strictObject({ id: NodeId, label: z.string().min(1), next: NodeId })).min(1),
});

export const CheckNode = z.strictObject({
  ...Base,
  kind: z.literal('check'),
  /** A registered diagnostic (see DIAGNOSTICS in the endpoint adapter), e.g. `network.link`. */
  check: z.string().regex(/^[a-z]+(\.[a-zA-Z]+)+$/, 'a diagnostic name such as network.link'),
  args: z.record(z.string(), Scalar).default({}),
  title: z.string().min(1),
  /** Tried in order; the first that holds decides. */
  branches: z.array(z.strictObject({ when: Condition, next: NodeId })).min(1),
  /** Where to go when no branch holds. Required unless the branches cover every case. */
  default: NodeId.optional(),
});

export const ActionNode = z.strictObject({
  ...Base,
  kind: z.literal('action'),
  /** A registered remediation, e.g. `network.renewDhcp`. */
  action: z.string().regex(/^[a-z]+(\.[a-zA-Z]+)+$/, 'a remediation name such as network.renewDhcp'),
  args: z.record(z.string(), Scalar).default({}),
  title: z.string().min(1),
  /** The permission policy action checked (and granted) before it runs. */
  permission: z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, 'a policy action such as endpoint.remediate'),
  /** When set, the staff member must confirm (choices confirm / skip) before it runs. */
  confirm: z.string().min(1).optional(),
  next: NodeId,
  /** Where to go when it fails or is skipped; required. */
  onFailure: NodeId,
});

export const ResolveNode = z.strictObject({
  ...Base,
  kind: z.literal('resolve'),
  outcome: z.enum(['resolved', 'escalate', 'handoff']),
  /** What the ticket is told. */
  text: z.string().min(1),
  /** A knowledge-base article for the fix. */
  kb: z.string().optional(),
  /** The human queue for escalate / handoff. */
  queue: z.string().optional(),
});

export const SubtreeNode = z.strictObject({
  ...Base,
  kind: z.literal('subtree'),
  /** Another tree's id; its resolve nodes end the session. */
  tree: NodeId,
});

export const TreeNode = z.discriminatedUnion('kind', [QuestionNode, CheckNode, ActionNode, ResolveNode, SubtreeNode]);
export type TreeNode = z.infer<typeof TreeNode>;
export type QuestionNode = z.infer<typeof QuestionNode>;
export type CheckNode = z.infer<typeof CheckNode>;
export type ActionNode = z.infer<typeof ActionNode>;
export type ResolveNode = z.infer<typeof ResolveNode>;

export const DecisionTree = z.strictObject({
  id: NodeId,
  title: z.string().min(1),
  description: z.string().optional(),
  /** Directory group whose members may answer (default: helpdesk). */
  responders: z.array(z.string().min(1)).min(1).default(['helpdesk']),
  start: NodeId,
  nodes: z.array(TreeNode).min(1),
});
export type DecisionTree = z.infer<typeof DecisionTree>;

/** The version a session pins: a hash of the tree's canonical form (and of the subtrees it uses). */
export function treeHash(tree: DecisionTree): string {
  return createHash('sha256').update(canonicalJson(tree)).digest('hex').slice(0, 16);
}

export function nodeById(tree: DecisionTree): Map<string, TreeNode> {
  return new Map(tree.nodes.map((n) => [n.id, n]));
}

/**
 * The trees a session needs: the root and, transitively, every subtree it uses, with one version
 * hash over all of them. Unknown subtrees are left out (validation reports them).
 */
export function treeSetFor(all: Readonly<Record<string, DecisionTree>>, root: string): { trees: Record<string, DecisionTree>; version: string } | null {
  if (!all[root]) return null;
  const trees: Record<string, DecisionTree> = {};
  const pending = [root];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    const tree = all[id];
    if (!tree || trees[id]) continue;
    trees[id] = tree;
    for (const node of tree.nodes) if (node.kind === 'subtree') pending.push(node.tree);
  }
  const version = createHash('sha256')
    .update(
      canonicalJson(
        Object.keys(trees)
          .sort()
          .map((id) => treeHash(trees[id] as DecisionTree)),
      ),
    )
    .digest('hex')
    .slice(0, 16);
  return { trees, version };
}

/** JSON Schema of the tree format, for editors (docs/tree.schema.json is generated from it). */
export function treeJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DecisionTree, { io: 'input' }) as Record<string, unknown>;
}
