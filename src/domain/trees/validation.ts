import { cycleThrough, isCyclic, reach, smallest, stronglyConnected } from '../graph.js';
import type { CheckNode, Condition, DecisionTree, QuestionNode, TreeNode } from './tree.js';

// Whole-set checks of decision trees beyond what the zod schema can say: references, reachability,
// loops, overlapping conditions, sizes. Every algorithm here is iterative and linear (or close to
// it) in the number of nodes and references, so a 10,000-node tree validates in milliseconds and
// a pathological graph can neither blow the stack nor take exponential time.

export type TreeIssueCode =
  | 'duplicate_id'
  | 'dangling_reference'
  | 'unreachable'
  | 'cycle'
  | 'no_resolution'
  | 'duplicate_choice'
  | 'overlapping_conditions'
  | 'missing_default'
  | 'unknown_subtree'
  | 'subtree_cycle'
  | 'too_large'
  | 'too_deep'
  | 'unknown_check'
  | 'unknown_action'
  | 'duplicate_tree'
  | 'bad_start'
  | 'queue_missing';

export interface TreeIssue {
  tree: string;
  node?: string;
  /** Where in the tree, e.g. `nodes[3].choices[1].next`. */
  path: string;
  code: TreeIssueCode;
  /** What is wrong and what to do about it. */
  message: string;
}

export interface ValidationOptions {
  /** Per tree; default 20,000. */
  maxNodes?: number;
  /** Nodes on the longest acyclic path from `start` (loops' back edges ignored); default 500. */
  maxDepth?: number;
  /** Registered diagnostics; when given, a check naming another one is an issue. */
  checks?: ReadonlySet<string>;
  /** Registered remediations; when given, an action naming another one is an issue. */
  actions?: ReadonlySet<string>;
}

export const DEFAULT_MAX_NODES = 20_000;
export const DEFAULT_MAX_DEPTH = 500;

export function formatTreeIssue(i: TreeIssue): string {
  const where = i.node === undefined ? `(${i.path})` : `node ${i.node} (${i.path})`;
  return `${i.tree}: ${where}: ${i.code}: ${i.message}`;
}

/** Validates a set of trees (a tree's subtrees must be in the set). Reports every problem; never throws. */
export function validateTrees(trees: DecisionTree[], options: ValidationOptions = {}): TreeIssue[] {
  const issues: TreeIssue[] = [];
  const treeIndex = new Map<string, number>();
  trees.forEach((tree, t) => {
    const first = treeIndex.get(tree.id);
    if (first === undefined) treeIndex.set(tree.id, t);
    else issue(issues, tree, undefined, 'id', 'duplicate_tree', `trees[${first}] has the same id; give every tree its own id`);
  });
  const subtreeEdges = trees.map(() => [] as Array<{ to: number; node: string; path: string }>);
  trees.forEach((tree, t) => validateTree(tree, treeIndex, options, issues, subtreeEdges[t]!));
  reportSubtreeCycles(trees, subtreeEdges, issues);
  return issues;
}

/**
 * How often a session may enter each node. A node with `maxVisits` gets it. Any other node gets
 * one visit plus the `maxVisits` of every bounded node on its loops (its strongly connected
 * component): validation requires each loop to pass a bounded node, so between two visits of an
 * unbounded node a bounded one is entered, and this limit never cuts a valid loop short; on an
 * invalid tree (a loop with no bound) it still stops the session instead of running forever.
 */
export function visitLimits(tree: DecisionTree): Map<string, number> {
  const graph = buildGraph(tree);
  const limits = new Map<string, number>();
  const repeated = (i: number) => graph.index.get(tree.nodes[i]!.id) !== i;
  for (const component of stronglyConnected(graph.adj, repeated)) {
    let budget = 1;
    for (const i of component) budget += tree.nodes[i]!.maxVisits ?? 0;
    for (const i of component) limits.set(tree.nodes[i]!.id, tree.nodes[i]!.maxVisits ?? budget);
  }
  return limits;
}

// ---------------------------------------------------------------------------------------------

interface Reference {
  target: string;
  path: string;
}

/** A tree as a graph over node positions. Later nodes repeating an id are left out of it. */
interface Graph {
  /** Node id → position of its first node. */
  index: Map<string, number>;
  adj: number[][];
  /** The path of each edge in `adj` (same shape), for messages. */
  edgePaths: string[][];
  /** Nodes with a reference to no node: their fate is unknown, so they do not count as dead ends. */
  dangling: boolean[];
}

function references(node: TreeNode, at: string): Reference[] {
  switch (node.kind) {
    case 'question':
      return node.choices.map((c, j) => ({ target: c.next, path: `${at}.choices[${j}].next` }));
    case 'check': {
      const refs = node.branches.map((b, j) => ({ target: b.next, path: `${at}.branches[${j}].next` }));
      if (node.default !== undefined) refs.push({ target: node.default, path: `${at}.default` });
      return refs;
    }
    case 'action':
      return [
        { target: node.next, path: `${at}.next` },
        { target: node.onFailure, path: `${at}.onFailure` },
      ];
    default:
      // resolve ends the session; subtree continues in another tree (a leaf of this graph).
      return [];
  }
}

function buildGraph(tree: DecisionTree): Graph {
  const index = new Map<string, number>();
  tree.nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const adj: number[][] = [];
  const edgePaths: string[][] = [];
  const dangling: boolean[] = [];
  tree.nodes.forEach((n, i) => {
    const out: number[] = [];
    const paths: string[] = [];
    let broken = false;
    if (index.get(n.id) === i) {
      for (const ref of references(n, `nodes[${i}]`)) {
        const to = index.get(ref.target);
        if (to === undefined) broken = true;
        else {
          out.push(to);
          paths.push(ref.path);
        }
      }
    }
    adj.push(out);
    edgePaths.push(paths);
    dangling.push(broken);
  });
  return { index, adj, edgePaths, dangling };
}

function issue(issues: TreeIssue[], tree: DecisionTree, node: string | undefined, path: string, code: TreeIssueCode, message: string): void {
  issues.push(node === undefined ? { tree: tree.id, path, code, message } : { tree: tree.id, node, path, code, message });
}

const quote = (s: string) => JSON.stringify(s);

/** A list for a message, cut short when long. */
function listed(names: Iterable<string>, max = 12): string {
  const all = [...names].sort();
  return all.length > max ? `${all.slice(0, max).join(', ')}, … (${all.length} in all)` : all.join(', ');
}

function validateTree(
  tree: DecisionTree,
  treeIndex: Map<string, number>,
  options: ValidationOptions,
  issues: TreeIssue[],
  subtreeEdges: Array<{ to: number; node: string; path: string }>,
): void {
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  if (tree.nodes.length > maxNodes) {
    issue(issues, tree, undefined, 'nodes', 'too_large', `the tree has ${tree.nodes.length} nodes, more than the limit of ${maxNodes}; split it into subtrees`);
  }
  const graph = buildGraph(tree);
  const start = graph.index.get(tree.start);
  if (start === undefined) {
    issue(issues, tree, undefined, 'start', 'bad_start', `start ${quote(tree.start)} is not a node of this tree; set start to the id of the first node`);
  }

  tree.nodes.forEach((node, i) => {
    const at = `nodes[${i}]`;
    const first = graph.index.get(node.id)!;
    if (first !== i) issue(issues, tree, node.id, `${at}.id`, 'duplicate_id', `nodes[${first}] has the same id; give every node its own id`);
    for (const ref of references(node, at)) {
      if (!graph.index.has(ref.target)) {
        issue(
          issues,
          tree,
          node.id,
          ref.path,
          'dangling_reference',
          `${quote(ref.target)} is not a node of this tree; point it at an existing node or add a node with that id`,
        );
      }
    }
    switch (node.kind) {
      case 'question':
        checkChoices(tree, node, at, issues);
        break;
      case 'check':
        if (options.checks && !options.checks.has(node.check)) {
          issue(
            issues,
            tree,
            node.id,
            `${at}.check`,
            'unknown_check',
            `${quote(node.check)} is not a registered diagnostic; use one of: ${listed(options.checks)}`,
          );
        }
        checkBranches(tree, node, at, issues);
        break;
      case 'action':
        if (options.actions && !options.actions.has(node.action)) {
          issue(
            issues,
            tree,
            node.id,
            `${at}.action`,
            'unknown_action',
            `${quote(node.action)} is not a registered remediation; use one of: ${listed(options.actions)}`,
          );
        }
        break;
      case 'resolve':
        if (node.outcome !== 'resolved' && !node.queue?.trim()) {
          issue(
            issues,
            tree,
            node.id,
            `${at}.queue`,
            'queue_missing',
            `outcome ${node.outcome} passes the ticket to people but names no queue; set queue to the team that takes it over`,
          );
        }
        break;
      case 'subtree': {
        const to = treeIndex.get(node.tree);
        if (to === undefined) {
          issue(
            issues,
            tree,
            node.id,
            `${at}.tree`,
            'unknown_subtree',
            `${quote(node.tree)} is not a tree of this set; use one of: ${listed(treeIndex.keys())}, or add that tree`,
          );
        } else subtreeEdges.push({ to, node: node.id, path: `${at}.tree` });
        break;
      }
    }
  });

  const reachable = start === undefined ? null : reach(graph.adj, start);
  if (reachable) {
    tree.nodes.forEach((node, i) => {
      if (graph.index.get(node.id) === i && !reachable[i]) {
        issue(
          issues,
          tree,
          node.id,
          `nodes[${i}]`,
          'unreachable',
          `no path from start ${quote(tree.start)} leads here; link it from another node or remove it`,
        );
      }
    });
  }
  reportCycles(tree, graph, issues);
  reportDeadEnds(tree, graph, reachable, issues);
  if (start !== undefined) reportDepth(tree, graph, start, options.maxDepth ?? DEFAULT_MAX_DEPTH, issues);
}

function checkChoices(tree: DecisionTree, node: QuestionNode, at: string, issues: TreeIssue[]): void {
  const ids = new Map<string, number>();
  const labels = new Map<string, number>();
  node.choices.forEach((choice, j) => {
    const sameId = ids.get(choice.id);
    if (sameId === undefined) ids.set(choice.id, j);
    else
      issue(
        issues,
        tree,
        node.id,
        `${at}.choices[${j}].id`,
        'duplicate_choice',
        `choices[${sameId}] has the same id ${quote(choice.id)}; give every choice its own id`,
      );
    // What staff see: case, runs of spaces and compatibility forms (full-width letters) do not tell labels apart.
    const key = choice.label.normalize('NFKC').replace(/\s+/gu, ' ').trim().toLowerCase();
    const sameLabel = labels.get(key);
    if (sameLabel === undefined) labels.set(key, j);
    else {
      issue(
        issues,
        tree,
        node.id,
        `${at}.choices[${j}].label`,
        'duplicate_choice',
        `choices[${sameLabel}] has the same label ${quote(choice.label.trim())}; staff could not tell them apart, so reword one`,
      );
    }
  });
}

// ---- conditions -----------------------------------------------------------------------------

type Scalar = string | number | boolean;

function pointValues(c: Condition): Scalar[] | null {
  if ('equals' in c) return [c.equals];
  if ('in' in c) return c.in;
  return null;
}

/** Whether a number satisfies a range condition (lessThan / atLeast). */
function inRange(c: Condition, v: Scalar): boolean {
  if (typeof v !== 'number') return false;
  return 'lessThan' in c ? v < c.lessThan : v >= (c as { atLeast: number }).atLeast;
}

/** Whether some result could satisfy both conditions. Different fields cannot be compared. */
export function conditionsOverlap(a: Condition, b: Condition): boolean {
  if (a.field !== b.field) return false;
  const av = pointValues(a);
  const bv = pointValues(b);
  if (av && bv) return av.some((v) => bv.includes(v));
  if (av) return av.some((v) => inRange(b, v));
  if (bv) return bv.some((v) => inRange(a, v));
  // Two ranges: (−∞, x) and [y, ∞) meet iff y < x; two of the same direction always meet.
  const lo = Math.max('atLeast' in a ? a.atLeast : -Infinity, 'atLeast' in b ? b.atLeast : -Infinity);
  const hi = Math.min('lessThan' in a ? a.lessThan : Infinity, 'lessThan' in b ? b.lessThan : Infinity);
  return lo < hi;
}

export function describeCondition(c: Condition): string {
  const field = c.field;
  if ('equals' in c) return `${field} = ${JSON.stringify(c.equals)}`;
  if ('in' in c) return `${field} in [${c.in.map((v) => JSON.stringify(v)).join(', ')}]`;
  if ('lessThan' in c) return `${field} < ${c.lessThan}`;
  return `${field} >= ${c.atLeast}`;
}

/**
 * The only covers provable without knowing a diagnostic's output: `equals: true` and
 * `equals: false` on one field, or `lessThan: x` and `atLeast: y` with y <= x on one field.
 */
function branchesCoverEverything(node: CheckNode): boolean {
  const byField = new Map<string, { t: boolean; f: boolean; below: number; from: number }>();
  for (const { when } of node.branches) {
    let seen = byField.get(when.field);
    if (!seen) {
      seen = { t: false, f: false, below: -Infinity, from: Infinity };
      byField.set(when.field, seen);
    }
    if ('equals' in when) {
      if (when.equals === true) seen.t = true;
      else if (when.equals === false) seen.f = true;
    } else if ('lessThan' in when) seen.below = Math.max(seen.below, when.lessThan);
    else if ('atLeast' in when) seen.from = Math.min(seen.from, when.atLeast);
  }
  return [...byField.values()].some((s) => (s.t && s.f) || s.from <= s.below);
}

function checkBranches(tree: DecisionTree, node: CheckNode, at: string, issues: TreeIssue[]): void {
  node.branches.forEach((branch, j) => {
    for (let k = 0; k < j; k++) {
      const earlier = node.branches[k]!.when;
      if (conditionsOverlap(earlier, branch.when)) {
        issue(
          issues,
          tree,
          node.id,
          `${at}.branches[${j}].when`,
          'overlapping_conditions',
          `${describeCondition(branch.when)} overlaps branches[${k}] (${describeCondition(earlier)}): a result matching both always takes branches[${k}]; make the conditions exclusive`,
        );
        break;
      }
    }
  });
  if (node.default === undefined && !branchesCoverEverything(node)) {
    issue(
      issues,
      tree,
      node.id,
      `${at}.default`,
      'missing_default',
      'some results match no branch (a missing field matches nothing); add a default, or cover one field with equals: true and equals: false, or with lessThan: x and atLeast: x',
    );
  }
}

/** `a → b → c → a`, with the middle of a long loop left out. */
function arrows(ids: string[]): string {
  if (ids.length <= 12) return ids.join(' → ');
  return [...ids.slice(0, 8), `… (${ids.length - 11} more)`, ...ids.slice(-3)].join(' → ');
}

function reportCycles(tree: DecisionTree, graph: Graph, issues: TreeIssue[]): void {
  // A cycle that avoids every node with maxVisits is a cycle of the graph without those nodes.
  const bounded = (i: number) => tree.nodes[i]!.maxVisits !== undefined;
  const found: Array<{ first: number; message: string; node: string; path: string }> = [];
  for (const component of stronglyConnected(graph.adj, bounded)) {
    if (!isCyclic(component, graph.adj)) continue;
    const first = smallest(component);
    const cycle = cycleThrough(first, new Set(component), graph.adj);
    const closing = cycle[cycle.length - 1]!;
    const names = arrows([...cycle, first].map((i) => tree.nodes[i]!.id));
    const extra = component.length > cycle.length ? ` (one of the loops among ${component.length} nodes)` : '';
    found.push({
      first,
      node: tree.nodes[closing]!.id,
      path: graph.edgePaths[closing]![graph.adj[closing]!.indexOf(first)]!,
      message: `loop ${names}${extra} has no node with maxVisits, so a session could go round it forever; set maxVisits on one of its nodes or break the loop`,
    });
  }
  found.sort((a, b) => a.first - b.first);
  for (const f of found) issue(issues, tree, f.node, f.path, 'cycle', f.message);
}

/** Reachable nodes from which no route ends in a resolve or subtree node. */
function reportDeadEnds(tree: DecisionTree, graph: Graph, reachable: boolean[] | null, issues: TreeIssue[]): void {
  const n = tree.nodes.length;
  const reverse: number[][] = Array.from({ length: n }, () => []);
  graph.adj.forEach((out, u) => {
    for (const v of out) reverse[v]!.push(u);
  });
  const ends = new Array<boolean>(n).fill(false);
  const queue: number[] = [];
  tree.nodes.forEach((node, i) => {
    // A dangling reference is reported as such; where it was meant to lead is unknown.
    if (node.kind === 'resolve' || node.kind === 'subtree' || graph.dangling[i]) {
      ends[i] = true;
      queue.push(i);
    }
  });
  for (let q = 0; q < queue.length; q++) {
    for (const u of reverse[queue[q]!]!) {
      if (!ends[u]) {
        ends[u] = true;
        queue.push(u);
      }
    }
  }
  tree.nodes.forEach((node, i) => {
    if (ends[i] || graph.index.get(node.id) !== i || (reachable && !reachable[i])) return;
    issue(
      issues,
      tree,
      node.id,
      `nodes[${i}]`,
      'no_resolution',
      'no route from this node ends in a resolve or subtree node, so a session here can never finish; lead at least one of its routes to a resolution',
    );
  });
}

/**
 * Longest path from start, counted in nodes, on the DAG left after dropping the back edges of a
 * depth-first search (a bounded loop does not make a tree deeper). Iterative DFS, then a pass in
 * topological order: linear.
 */
function reportDepth(tree: DecisionTree, graph: Graph, start: number, maxDepth: number, issues: TreeIssue[]): void {
  const n = tree.nodes.length;
  const finished = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n); // 0 new, 1 on the DFS path, 2 done
  const order: number[] = []; // post-order
  const callNode = [start];
  const callEdge = [0];
  state[start] = 1;
  while (callNode.length > 0) {
    const top = callNode.length - 1;
    const u = callNode[top]!;
    const e = callEdge[top]!;
    const out = graph.adj[u]!;
    if (e < out.length) {
      callEdge[top] = e + 1;
      const v = out[e]!;
      if (state[v] === 0) {
        state[v] = 1;
        callNode.push(v);
        callEdge.push(0);
      }
      continue;
    }
    callNode.pop();
    callEdge.pop();
    state[u] = 2;
    finished[u] = order.length;
    order.push(u);
  }
  // Edge u → v is a back edge exactly when v finished no earlier than u (v is u or an ancestor).
  const depth = new Int32Array(n);
  depth[start] = 1;
  let deepest = start;
  for (let k = order.length - 1; k >= 0; k--) {
    const u = order[k]!;
    if (depth[u]! > depth[deepest]!) deepest = u;
    for (const v of graph.adj[u]!) {
      if (finished[v]! < finished[u]! && depth[v]! < depth[u]! + 1) depth[v] = depth[u]! + 1;
    }
  }
  if (depth[deepest]! > maxDepth) {
    issue(
      issues,
      tree,
      tree.nodes[deepest]!.id,
      'start',
      'too_deep',
      `the longest path from start passes ${depth[deepest]} nodes (down to this node), more than the limit of ${maxDepth}; move parts of it into subtrees`,
    );
  }
}

function reportSubtreeCycles(trees: DecisionTree[], edges: Array<Array<{ to: number; node: string; path: string }>>, issues: TreeIssue[]): void {
  const adj = edges.map((out) => out.map((e) => e.to));
  const cyclic = stronglyConnected(adj)
    .filter((component) => isCyclic(component, adj))
    .map((component) => ({ component, first: smallest(component) }))
    .sort((a, b) => a.first - b.first);
  for (const { component, first } of cyclic) {
    const cycle = cycleThrough(first, new Set(component), adj);
    const closing = cycle[cycle.length - 1]!;
    const edge = edges[closing]!.find((e) => e.to === first)!;
    const names = arrows([...cycle, first].map((t) => trees[t]!.id));
    issue(
      issues,
      trees[closing]!,
      edge.node,
      edge.path,
      'subtree_cycle',
      `subtrees use each other in a circle (${names}), so a session could enter them forever; remove one of these subtree references`,
    );
  }
}
