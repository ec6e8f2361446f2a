import { describeCondition, visitLimits } from './validation.js';
import type { ActionNode, CheckNode, Condition, DecisionTree, QuestionNode, TreeNode } from './tree.js';

// Walking a decision tree, one step at a time. Pure: the session state goes in, a new state comes
// out (inputs are never mutated), times are passed in. The troubleshooting workflow keeps the
// state; its Update validators call these functions to reject bad input before it reaches history.

/** The root tree and every tree it uses as a subtree, by id. */
export type TreeSet = Record<string, DecisionTree>;

export interface PathEntry {
  tree: string;
  node: string;
  kind: TreeNode['kind'];
  /** The answer's choice id, or `confirm` / `skip` for a confirmation. */
  choice?: string;
  label?: string;
  /** Who answered or confirmed: set exactly on the entries of human input. */
  by?: string;
  result?: Record<string, unknown>;
  outcome?: 'ok' | 'failed' | 'skipped';
  detail?: string;
  at: string;
}

export interface Done {
  outcome: 'resolved' | 'escalate' | 'handoff';
  text: string;
  kb?: string;
  queue?: string;
  tree: string;
  node: string;
}

export interface SessionState {
  root: string;
  /** The node waiting for input; once done, the last node the session entered. */
  at: { tree: string; node: string };
  path: PathEntry[];
  /** Entries per node, key `${tree}/${node}`. */
  visits: Record<string, number>;
  /** The current action was confirmed. */
  confirmed: boolean;
  done: Done | null;
}

export type NextStep =
  | { kind: 'ask'; tree: string; node: QuestionNode }
  /** An action with `confirm`, not yet confirmed. */
  | { kind: 'confirm'; tree: string; node: ActionNode }
  | { kind: 'check'; tree: string; node: CheckNode }
  | { kind: 'act'; tree: string; node: ActionNode }
  | { kind: 'done'; done: Done };

export type NavigationErrorCode =
  | 'not_current'
  | 'not_a_question'
  | 'not_an_action'
  | 'not_a_check'
  | 'unknown_choice'
  | 'nothing_to_undo'
  | 'finished'
  /** The root tree is not in the set, has no start node, or the state is not at a node of the set. */
  | 'unknown_tree'
  /** An action's result was recorded before its required confirmation. */
  | 'not_confirmed'
  /** A confirmation for an action that asks for none, or is already confirmed. */
  | 'no_confirmation_pending';

export class NavigationError extends Error {
  constructor(
    readonly code: NavigationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NavigationError';
  }
}

export interface SessionView {
  tree: string;
  node: string;
  kind: string;
  prompt?: string;
  help?: string;
  choices?: Array<{ id: string; label: string }>;
  confirm?: string;
  title?: string;
  done: Done | null;
  path: PathEntry[];
}

// ---------------------------------------------------------------------------------------------

interface TreeIndex {
  /** First node of each id, like validation. */
  nodes: Map<string, TreeNode>;
  limits: Map<string, number>;
}

// Trees are immutable content, so their lookup tables are built once per tree object.
const indexes = new WeakMap<DecisionTree, TreeIndex>();

function indexOf(tree: DecisionTree): TreeIndex {
  let index = indexes.get(tree);
  if (!index) {
    const nodes = new Map<string, TreeNode>();
    for (const n of tree.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
    index = { nodes, limits: visitLimits(tree) };
    indexes.set(tree, index);
  }
  return index;
}

// Tree ids such as "constructor" are valid, so never read inherited properties of the set.
const treeIn = (trees: TreeSet, id: string): DecisionTree | undefined => (Object.hasOwn(trees, id) ? trees[id] : undefined);

const visitKey = (tree: string, node: string) => `${tree}/${node}`;

const article = (kind: string) => (kind === 'action' ? 'an action' : `a ${kind}`);

function lookup(trees: TreeSet, at: { tree: string; node: string }): TreeNode {
  const tree = treeIn(trees, at.tree);
  const node = tree && indexOf(tree).nodes.get(at.node);
  if (!node) {
    throw new NavigationError(
      'unknown_tree',
      `the session is at "${at.node}" of tree "${at.tree}", which the given trees do not have; pass the trees the session was started with`,
    );
  }
  return node;
}

/** A copy of the state that the step functions may change. */
function fork(state: SessionState): SessionState {
  return { root: state.root, at: { ...state.at }, path: [...state.path], visits: { ...state.visits }, confirmed: state.confirmed, done: state.done };
}

/**
 * Moves into `target` (the start of `target.tree` when no node is named), then on through subtree
 * nodes, until a node that waits for input or the end. Counts every entry and stops the session at
 * a node entered more often than it may be.
 */
function enter(trees: TreeSet, state: SessionState, first: { tree: string; node?: string }, at: string): SessionState {
  let target = first;
  for (;;) {
    const tree = treeIn(trees, target.tree);
    const nodeId = target.node ?? tree?.start;
    const node = tree && indexOf(tree).nodes.get(nodeId!);
    if (!tree || !node) {
      const missing = tree ? `tree "${target.tree}" has no node "${nodeId}"` : `the subtree "${target.tree}" is not among this session's trees`;
      state.done = {
        outcome: 'escalate',
        text: `The decision tree is broken: ${missing}. A person should take over.`,
        tree: state.at.tree,
        node: state.at.node,
      };
      return state;
    }
    const key = visitKey(target.tree, node.id);
    const visits = (state.visits[key] ?? 0) + 1;
    const limit = indexOf(tree).limits.get(node.id)!;
    if (visits > limit) {
      state.done = {
        outcome: 'escalate',
        text: `Loop limit reached at ${node.id} after ${limit} ${limit === 1 ? 'visit' : 'visits'}; a person should take over.`,
        tree: target.tree,
        node: node.id,
      };
      return state;
    }
    state.visits[key] = visits;
    state.at = { tree: target.tree, node: node.id };
    state.confirmed = false;
    if (node.kind === 'subtree') {
      state.path.push({ tree: target.tree, node: node.id, kind: 'subtree', at });
      target = { tree: node.tree };
      continue;
    }
    if (node.kind === 'resolve') {
      state.path.push({ tree: target.tree, node: node.id, kind: 'resolve', at });
      state.done = {
        outcome: node.outcome,
        text: node.text,
        ...(node.kb !== undefined && { kb: node.kb }),
        ...(node.queue !== undefined && { queue: node.queue }),
        tree: target.tree,
        node: node.id,
      };
    }
    return state;
  }
}

type NodeOfKind<K extends TreeNode['kind']> = Extract<TreeNode, { kind: K }>;

/** The current node, which the input names and which must be of the kind the input is for. */
function inputAt<K extends 'question' | 'check' | 'action'>(
  trees: TreeSet,
  state: SessionState,
  requested: string,
  input: string,
  kind: K,
  code: 'not_a_question' | 'not_a_check' | 'not_an_action',
): NodeOfKind<K> {
  if (state.done) {
    throw new NavigationError('finished', `the session has ended (${state.done.outcome} at "${state.done.node}"); go back to reopen it`);
  }
  if (requested !== state.at.node) throw new NavigationError('not_current', `${input} for "${requested}" but the session is at "${state.at.node}"`);
  const node = lookup(trees, state.at);
  if (node.kind !== kind) throw new NavigationError(code, `"${node.id}" is ${article(node.kind)}, not ${article(kind)}`);
  return node as NodeOfKind<K>;
}

// ---------------------------------------------------------------------------------------------

/** Starts at the root tree's start node, following subtree nodes into their trees. */
export function startSession(trees: TreeSet, root: string, at: string): SessionState {
  const tree = treeIn(trees, root);
  if (!tree) throw new NavigationError('unknown_tree', `no tree "${root}" among the trees given (${Object.keys(trees).join(', ')})`);
  if (!indexOf(tree).nodes.has(tree.start)) {
    throw new NavigationError('unknown_tree', `tree "${root}" has no start node "${tree.start}"; validate the tree before starting sessions on it`);
  }
  const state: SessionState = { root, at: { tree: root, node: tree.start }, path: [], visits: {}, confirmed: false, done: null };
  return enter(trees, state, { tree: root, node: tree.start }, at);
}

export function nextStep(trees: TreeSet, state: SessionState): NextStep {
  if (state.done) return { kind: 'done', done: state.done };
  const node = lookup(trees, state.at);
  const tree = state.at.tree;
  switch (node.kind) {
    case 'question':
      return { kind: 'ask', tree, node };
    case 'check':
      return { kind: 'check', tree, node };
    case 'action':
      return node.confirm !== undefined && !state.confirmed ? { kind: 'confirm', tree, node } : { kind: 'act', tree, node };
    default:
      throw new NavigationError('unknown_tree', `the session is at ${node.kind} "${node.id}" but has not ended; pass the trees the session was started with`);
  }
}

export function answerQuestion(trees: TreeSet, state: SessionState, a: { node: string; choice: string; by: string; at: string }): SessionState {
  const node = inputAt(trees, state, a.node, 'answer', 'question', 'not_a_question');
  const choice = node.choices.find((c) => c.id === a.choice);
  if (!choice) {
    throw new NavigationError('unknown_choice', `no choice "${a.choice}" at "${node.id}"; choices: ${node.choices.map((c) => c.id).join(', ')}`);
  }
  const next = fork(state);
  next.path.push({ tree: state.at.tree, node: node.id, kind: 'question', choice: choice.id, label: choice.label, by: a.by, at: a.at });
  return enter(trees, next, { tree: state.at.tree, node: choice.next }, a.at);
}

/** `confirm: true` lets the action run (next step `act`); false skips it and goes to `onFailure`. */
export function confirmAction(trees: TreeSet, state: SessionState, a: { node: string; confirm: boolean; by: string; at: string }): SessionState {
  const node = inputAt(trees, state, a.node, 'confirmation', 'action', 'not_an_action');
  if (node.confirm === undefined) {
    throw new NavigationError('no_confirmation_pending', `"${node.id}" asks for no confirmation; it runs on its own`);
  }
  if (state.confirmed) throw new NavigationError('no_confirmation_pending', `"${node.id}" is already confirmed; record its result`);
  const next = fork(state);
  const entry: PathEntry = { tree: state.at.tree, node: node.id, kind: 'action', by: a.by, at: a.at, choice: a.confirm ? 'confirm' : 'skip' };
  if (a.confirm) {
    next.path.push(entry);
    next.confirmed = true;
    return next;
  }
  next.path.push({ ...entry, outcome: 'skipped' });
  return enter(trees, next, { tree: state.at.tree, node: node.onFailure }, a.at);
}

/** The first branch that holds decides, else `default`; with neither, the session escalates. */
export function recordCheck(trees: TreeSet, state: SessionState, r: { node: string; result: Record<string, unknown>; at: string }): SessionState {
  const node = inputAt(trees, state, r.node, 'check result', 'check', 'not_a_check');
  // A copy, so that a caller changing its object later cannot change the recorded history.
  const result = JSON.parse(JSON.stringify(r.result)) as Record<string, unknown>;
  const branch = node.branches.find((b) => evaluateCondition(b.when, result));
  const next = fork(state);
  const tree = state.at.tree;
  const target = branch?.next ?? node.default;
  const detail = branch ? `matched ${describeCondition(branch.when)}` : target === undefined ? 'no branch matched' : 'no branch matched; took the default';
  next.path.push({ tree, node: node.id, kind: 'check', result, detail, at: r.at });
  if (target === undefined) {
    next.done = {
      outcome: 'escalate',
      text: `The result of "${node.title}" (${node.id}) matched none of its branches and the node has no default; a person should take over.`,
      tree,
      node: node.id,
    };
    return next;
  }
  return enter(trees, next, { tree, node: target }, r.at);
}

/** Success goes to `next`, failure to `onFailure`. */
export function recordAction(trees: TreeSet, state: SessionState, r: { node: string; ok: boolean; detail?: string; at: string }): SessionState {
  const node = inputAt(trees, state, r.node, 'action result', 'action', 'not_an_action');
  if (node.confirm !== undefined && !state.confirmed) {
    throw new NavigationError('not_confirmed', `"${node.id}" must be confirmed before it runs; the session is waiting for that confirmation`);
  }
  const next = fork(state);
  const tree = state.at.tree;
  next.path.push({ tree, node: node.id, kind: 'action', outcome: r.ok ? 'ok' : 'failed', ...(r.detail !== undefined && { detail: r.detail }), at: r.at });
  return enter(trees, next, { tree, node: r.ok ? node.next : node.onFailure }, r.at);
}

/**
 * Undoes the most recent human input (an answer or a confirmation) and every automated step after
 * it, and waits at that node again with the visit counts it had then. Reopens an ended session.
 */
export function back(trees: TreeSet, state: SessionState): SessionState {
  let h = state.path.length - 1;
  while (h >= 0 && state.path[h]!.by === undefined) h--;
  if (h < 0) throw new NavigationError('nothing_to_undo', 'there is no answer or confirmation to undo in this session');
  const input = state.path[h]!;
  const at = { tree: input.tree, node: input.node };
  lookup(trees, at);
  const path = state.path.slice(0, h);
  return { root: state.root, at, path, visits: countVisits(path, at), confirmed: false, done: null };
}

/**
 * The visit counts a path implies: every entry is one visit, except an action's result after its
 * confirmation (the same visit), plus the node the session waits at.
 */
function countVisits(path: PathEntry[], waiting: { tree: string; node: string }): Record<string, number> {
  const visits: Record<string, number> = {};
  const add = (tree: string, node: string) => {
    const key = visitKey(tree, node);
    visits[key] = (visits[key] ?? 0) + 1;
  };
  path.forEach((e, i) => {
    const before = path[i - 1];
    const resultAfterConfirmation =
      e.kind === 'action' && e.by === undefined && before?.kind === 'action' && before.by !== undefined && before.choice === 'confirm';
    if (!resultAfterConfirmation) add(e.tree, e.node);
  });
  add(waiting.tree, waiting.node);
  return visits;
}

/**
 * `field` may be a dotted path into nested objects (`wifi.signalDbm`); a missing field matches
 * nothing; lessThan / atLeast hold only for numbers.
 */
export function evaluateCondition(c: Condition, result: Record<string, unknown>): boolean {
  let value: unknown = result;
  for (const part of c.field.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return false;
    value = (value as Record<string, unknown>)[part];
  }
  if ('equals' in c) return value === c.equals;
  if ('in' in c) return c.in.some((v) => v === value);
  if (typeof value !== 'number') return false;
  return 'lessThan' in c ? value < c.lessThan : value >= c.atLeast;
}

/** What a person driving the session sees. */
export function view(trees: TreeSet, state: SessionState): SessionView {
  const node = lookup(trees, state.at);
  const v: SessionView = { tree: state.at.tree, node: node.id, kind: node.kind, done: state.done, path: [...state.path] };
  switch (node.kind) {
    case 'question':
      v.prompt = node.prompt;
      if (node.help !== undefined) v.help = node.help;
      v.choices = node.choices.map(({ id, label }) => ({ id, label }));
      break;
    case 'check':
      v.title = node.title;
      break;
    case 'action':
      v.title = node.title;
      if (node.confirm !== undefined) v.confirm = node.confirm;
      break;
    default:
      break;
  }
  return v;
}
