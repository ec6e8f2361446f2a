import { describe, expect, it } from 'vitest';
import {
  answerQuestion,
  back,
  confirmAction,
  evaluateCondition,
  NavigationError,
  nextStep,
  recordAction,
  recordCheck,
  startSession,
  view,
  type NavigationErrorCode,
  type SessionState,
  type TreeSet,
} from '../../../../src/domain/trees/navigation.js';
import { validateTrees } from '../../../../src/domain/trees/validation.js';
import { DecisionTree, type Condition } from '../../../../src/domain/trees/tree.js';
import { generateTree, prng } from '../../../helpers/trees.js';

const q = (id: string, choices: Array<[string, string, string?]>, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'question',
  prompt: `${id}?`,
  choices: choices.map(([cid, next, label]) => ({ id: cid, label: label ?? cid, next })),
  ...extra,
});
const chk = (id: string, branches: Array<[Condition, string]>, dflt?: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'check',
  check: 'network.link',
  title: `Check ${id}`,
  branches: branches.map(([when, next]) => ({ when, next })),
  ...(dflt !== undefined && { default: dflt }),
  ...extra,
});
const act = (id: string, next: string, onFailure: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'action',
  action: 'network.renewDhcp',
  title: `Run ${id}`,
  permission: 'endpoint.remediate',
  next,
  onFailure,
  ...extra,
});
const res = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'resolve', outcome: 'resolved', text: `Done at ${id}.`, ...extra });
const sub = (id: string, tree: string) => ({ id, kind: 'subtree', tree });
const tree = (id: string, nodes: unknown[], start?: string): DecisionTree =>
  DecisionTree.parse({ id, title: id, start: start ?? (nodes[0] as { id: string }).id, nodes });

const network = tree('network', [
  q(
    'ask-scope',
    [
      ['just-me', 'check-link', 'Just me'],
      ['everyone', 'outage', 'Everyone in the office'],
      ['wifi', 'wifi-help', 'Only on Wi-Fi'],
    ],
    { help: 'Tells a local fault from an outage.' },
  ),
  chk('check-link', [
    [{ field: 'link.up', equals: false }, 'ask-cable'],
    [{ field: 'link.up', equals: true }, 'renew'],
  ]),
  q('ask-cable', [
    ['plugged', 'renew', 'I plugged it back in'],
    ['fine', 'escalate', 'It was plugged in'],
  ]),
  act('renew', 'check-dns', 'escalate', { confirm: 'Renew the DHCP lease?', maxVisits: 2 }),
  chk(
    'check-dns',
    [
      [{ field: 'dns.latencyMs', lessThan: 200 }, 'fixed'],
      [{ field: 'dns.status', in: ['timeout', 'refused'] }, 'renew'],
    ],
    'flush',
    { check: 'network.dns' },
  ),
  act('flush', 'fixed', 'escalate', { action: 'network.flushDns' }),
  sub('wifi-help', 'wifi'),
  res('fixed', { kb: 'KB-1001', text: 'DNS answers again.' }),
  res('outage', { outcome: 'handoff', text: 'Known outage.', queue: 'network-team' }),
  res('escalate', { outcome: 'escalate', text: 'Needs a technician.', queue: 'network-team' }),
]);
const wifi = tree('wifi', [
  chk(
    'signal',
    [
      [{ field: 'wifi.signalDbm', lessThan: -70 }, 'move'],
      [{ field: 'wifi.signalDbm', atLeast: -70 }, 'forget'],
    ],
    undefined,
    { check: 'wifi.signal' },
  ),
  q('move', [
    ['better', 'good'],
    ['same', 'esc'],
  ]),
  act('forget', 'good', 'esc', { action: 'network.forgetWifi' }),
  res('good'),
  res('esc', { outcome: 'escalate', queue: 'wifi-team' }),
]);
const trees: TreeSet = { network, wifi };

const T0 = '2025-03-01T09:00:00.000Z';
const T1 = '2025-03-01T09:01:00.000Z';
const T2 = '2025-03-01T09:02:00.000Z';
const T3 = '2025-03-01T09:03:00.000Z';

const start = () => startSession(trees, 'network', T0);
const answer = (s: SessionState, node: string, choice: string, at = T1) => answerQuestion(trees, s, { node, choice, by: 'sam.helper', at });
const confirm = (s: SessionState, node: string, yes: boolean, at = T2) => confirmAction(trees, s, { node, confirm: yes, by: 'sam.helper', at });
const check = (s: SessionState, node: string, result: Record<string, unknown>, at = T2) => recordCheck(trees, s, { node, result, at });
const acted = (s: SessionState, node: string, ok: boolean, detail?: string, at = T3) =>
  recordAction(trees, s, { node, ok, at, ...(detail !== undefined && { detail }) });

function navigationError(fn: () => unknown): NavigationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NavigationError);
    return e as NavigationError;
  }
  throw new Error('expected a NavigationError');
}
const fails = (fn: () => unknown, code: NavigationErrorCode, message: string | RegExp) => {
  const e = navigationError(fn);
  expect(e.code).toBe(code);
  expect(e.name).toBe('NavigationError');
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
};

/** The state after: just-me → link down → plugged back in, waiting to confirm `renew`. */
const atRenew = () => answer(check(answer(start(), 'ask-scope', 'just-me'), 'check-link', { link: { up: false } }), 'ask-cable', 'plugged');

describe('the fixture trees', () => {
  it('are valid', () => {
    expect(validateTrees([network, wifi])).toEqual([]);
  });
});

describe('walking a session', () => {
  it('starts at the root tree start and asks its question', () => {
    const s = start();
    expect(s).toEqual({
      root: 'network',
      at: { tree: 'network', node: 'ask-scope' },
      path: [],
      visits: { 'network/ask-scope': 1 },
      confirmed: false,
      done: null,
    });
    expect(nextStep(trees, s)).toEqual({ kind: 'ask', tree: 'network', node: network.nodes[0] });
  });

  it('records an answer with its label and who gave it, and moves on to a check', () => {
    const s = answer(start(), 'ask-scope', 'just-me');
    expect(s.path).toEqual([{ tree: 'network', node: 'ask-scope', kind: 'question', choice: 'just-me', label: 'Just me', by: 'sam.helper', at: T1 }]);
    expect(s.at).toEqual({ tree: 'network', node: 'check-link' });
    expect(nextStep(trees, s)).toMatchObject({ kind: 'check', tree: 'network', node: { id: 'check-link', check: 'network.link' } });
  });

  it('takes the first branch that holds, on a dotted field, and records the result', () => {
    const s = check(answer(start(), 'ask-scope', 'just-me'), 'check-link', { link: { up: false, speed: 0 } });
    expect(s.at.node).toBe('ask-cable');
    expect(s.path[1]).toEqual({
      tree: 'network',
      node: 'check-link',
      kind: 'check',
      result: { link: { up: false, speed: 0 } },
      detail: 'matched link.up = false',
      at: T2,
    });
  });

  it('asks to confirm an action, then runs it, then follows next', () => {
    const s = atRenew();
    expect(nextStep(trees, s)).toMatchObject({ kind: 'confirm', tree: 'network', node: { id: 'renew', confirm: 'Renew the DHCP lease?' } });
    const confirmed = confirm(s, 'renew', true);
    expect(confirmed.confirmed).toBe(true);
    expect(confirmed.at.node).toBe('renew');
    expect(confirmed.path.at(-1)).toEqual({ tree: 'network', node: 'renew', kind: 'action', choice: 'confirm', by: 'sam.helper', at: T2 });
    expect(nextStep(trees, confirmed)).toMatchObject({ kind: 'act', node: { id: 'renew' } });
    const ran = acted(confirmed, 'renew', true, 'lease 10.0.0.12');
    expect(ran.path.at(-1)).toEqual({ tree: 'network', node: 'renew', kind: 'action', outcome: 'ok', detail: 'lease 10.0.0.12', at: T3 });
    expect(ran).toMatchObject({ at: { node: 'check-dns' }, confirmed: false, done: null });
  });

  it('a skipped confirmation goes to onFailure, here a resolve that ends the session with its queue', () => {
    const s = confirm(atRenew(), 'renew', false);
    expect(s.path.slice(-2)).toEqual([
      { tree: 'network', node: 'renew', kind: 'action', choice: 'skip', outcome: 'skipped', by: 'sam.helper', at: T2 },
      { tree: 'network', node: 'escalate', kind: 'resolve', at: T2 },
    ]);
    expect(s.done).toEqual({ outcome: 'escalate', text: 'Needs a technician.', queue: 'network-team', tree: 'network', node: 'escalate' });
    expect(nextStep(trees, s)).toEqual({ kind: 'done', done: s.done });
  });

  it('an action without confirm runs straight away; failure goes to onFailure', () => {
    const atDns = acted(confirm(atRenew(), 'renew', true), 'renew', true);
    const atFlush = check(atDns, 'check-dns', { dns: { latencyMs: 900, status: 'slow' } });
    expect(atFlush.path.at(-1)).toMatchObject({ kind: 'check', detail: 'no branch matched; took the default' });
    expect(nextStep(trees, atFlush)).toMatchObject({ kind: 'act', node: { id: 'flush' } });
    const failed = acted(atFlush, 'flush', false);
    expect(failed.path.at(-2)).toEqual({ tree: 'network', node: 'flush', kind: 'action', outcome: 'failed', at: T3 });
    expect(failed.done).toMatchObject({ outcome: 'escalate', node: 'escalate' });
    const fixed = acted(atFlush, 'flush', true);
    expect(fixed.done).toEqual({ outcome: 'resolved', text: 'DNS answers again.', kb: 'KB-1001', tree: 'network', node: 'fixed' });
  });

  it('a result that matches no branch of a check without default escalates, saying why', () => {
    const s = check(answer(start(), 'ask-scope', 'just-me'), 'check-link', { link: { up: 'unknown' } });
    expect(s.done).toEqual({
      outcome: 'escalate',
      text: 'The result of "Check check-link" (check-link) matched none of its branches and the node has no default; a person should take over.',
      tree: 'network',
      node: 'check-link',
    });
    expect(s.path.at(-1)).toMatchObject({ kind: 'check', detail: 'no branch matched' });
    expect(s.at.node).toBe('check-link');
  });

  it('a handoff resolve ends the session', () => {
    const s = answer(start(), 'ask-scope', 'everyone');
    expect(s.done).toEqual({ outcome: 'handoff', text: 'Known outage.', queue: 'network-team', tree: 'network', node: 'outage' });
    expect(s.at).toEqual({ tree: 'network', node: 'outage' });
  });

  it('enters a subtree at its start and ends in its resolve nodes', () => {
    const s = answer(start(), 'ask-scope', 'wifi');
    expect(s.at).toEqual({ tree: 'wifi', node: 'signal' });
    expect(s.path.at(-1)).toEqual({ tree: 'network', node: 'wifi-help', kind: 'subtree', at: T1 });
    expect(s.visits).toEqual({ 'network/ask-scope': 1, 'network/wifi-help': 1, 'wifi/signal': 1 });
    expect(nextStep(trees, s)).toMatchObject({ kind: 'check', tree: 'wifi', node: { id: 'signal' } });
    const moved = check(s, 'signal', { wifi: { signalDbm: -80 } });
    expect(moved.at).toEqual({ tree: 'wifi', node: 'move' });
    const done = answerQuestion(trees, moved, { node: 'move', choice: 'same', by: 'sam.helper', at: T3 });
    expect(done.done).toEqual({ outcome: 'escalate', text: 'Done at esc.', queue: 'wifi-team', tree: 'wifi', node: 'esc' });
  });

  it('a start node may itself be a subtree or a resolve', () => {
    const entry = tree('entry', [sub('go', 'wifi')]);
    const s = startSession({ entry, wifi }, 'entry', T0);
    expect(s).toMatchObject({ root: 'entry', at: { tree: 'wifi', node: 'signal' }, path: [{ tree: 'entry', node: 'go', kind: 'subtree', at: T0 }] });
    const trivial = startSession({ only: tree('only', [res('r')]) }, 'only', T0);
    expect(trivial.done).toEqual({ outcome: 'resolved', text: 'Done at r.', tree: 'only', node: 'r' });
  });
});

describe('loops', () => {
  it('a bounded loop runs maxVisits times, then a person takes over', () => {
    const retry = (s: SessionState) => check(acted(confirm(s, 'renew', true), 'renew', true), 'check-dns', { dns: { status: 'timeout' } });
    const once = retry(atRenew());
    expect(once.at.node).toBe('renew');
    expect(once.visits['network/renew']).toBe(2);
    const twice = retry(once);
    expect(twice.done).toEqual({
      outcome: 'escalate',
      text: 'Loop limit reached at renew after 2 visits; a person should take over.',
      tree: 'network',
      node: 'renew',
    });
    expect(twice.visits['network/renew']).toBe(2);
    expect(twice.visits['network/check-dns']).toBe(2);
    expect(twice.at).toEqual({ tree: 'network', node: 'check-dns' });
  });

  it('a node on a loop without maxVisits (an invalid tree) is entered once', () => {
    const loose = tree('loose', [q('a', [['x', 'b']]), q('b', [['x', 'a']])]);
    const s = startSession({ loose }, 'loose', T0);
    const b = answerQuestion({ loose }, s, { node: 'a', choice: 'x', by: 'u', at: T1 });
    const done = answerQuestion({ loose }, b, { node: 'b', choice: 'x', by: 'u', at: T2 });
    expect(done.done).toEqual({ outcome: 'escalate', text: 'Loop limit reached at a after 1 visit; a person should take over.', tree: 'loose', node: 'a' });
  });

  it('a generated tree with loops always ends, whatever the answers, results and undos', () => {
    const big = generateTree(1_000, { seed: 11, loops: true, id: 'big' });
    const set = { big };
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(seed);
      let s = startSession(set, 'big', T0);
      let steps = 0;
      for (; steps < 5_000; steps++) {
        const step = nextStep(set, s);
        if (step.kind === 'done') break;
        if (steps % 7 === 3 && rand() < 0.3 && s.path.some((e) => e.by !== undefined)) {
          s = back(set, s);
          continue;
        }
        if (step.kind === 'ask')
          s = answerQuestion(set, s, { node: step.node.id, choice: step.node.choices[Math.floor(rand() * step.node.choices.length)]!.id, by: 'u', at: T1 });
        else if (step.kind === 'confirm') s = confirmAction(set, s, { node: step.node.id, confirm: rand() < 0.8, by: 'u', at: T1 });
        else if (step.kind === 'act') s = recordAction(set, s, { node: step.node.id, ok: rand() < 0.5, at: T1 });
        else {
          const branch = step.node.branches[Math.floor(rand() * (step.node.branches.length + 1))];
          s = recordCheck(set, s, { node: step.node.id, result: branch ? satisfying(branch.when) : {}, at: T1 });
        }
      }
      expect(s.done).not.toBeNull();
      expect(steps).toBeLessThan(5_000);
    }
  });
});

/** A result for which `c` holds. */
function satisfying(c: Condition): Record<string, unknown> {
  const value = 'equals' in c ? c.equals : 'in' in c ? c.in[0] : 'lessThan' in c ? c.lessThan - 1 : c.atLeast;
  const parts = c.field.split('.');
  let result: Record<string, unknown> = { [parts.pop()!]: value };
  while (parts.length) result = { [parts.pop()!]: result };
  return result;
}

describe('broken trees at run time', () => {
  it('a reference to no node escalates instead of throwing', () => {
    const broken = tree('broken', [q('a', [['x', 'gone']])]);
    const s = answerQuestion({ broken }, startSession({ broken }, 'broken', T0), { node: 'a', choice: 'x', by: 'u', at: T1 });
    expect(s.done).toEqual({
      outcome: 'escalate',
      text: 'The decision tree is broken: tree "broken" has no node "gone". A person should take over.',
      tree: 'broken',
      node: 'a',
    });
    expect(s.at).toEqual({ tree: 'broken', node: 'a' });
  });

  it('a repeated node id means its first node, as validation reads it', () => {
    const twice = tree('twice', [q('a', [['x', 'b']]), res('b', { text: 'first' }), res('b', { text: 'second' })]);
    const s = answerQuestion({ twice }, startSession({ twice }, 'twice', T0), { node: 'a', choice: 'x', by: 'u', at: T1 });
    expect(s.done).toMatchObject({ outcome: 'resolved', text: 'first', node: 'b' });
  });

  it('a subtree missing from the set escalates at the subtree node', () => {
    const entry = tree('entry', [sub('go', 'printers')]);
    const s = startSession({ entry }, 'entry', T0);
    expect(s.done).toEqual({
      outcome: 'escalate',
      text: 'The decision tree is broken: the subtree "printers" is not among this session\'s trees. A person should take over.',
      tree: 'entry',
      node: 'go',
    });
    expect(view({ entry }, s)).toEqual({ tree: 'entry', node: 'go', kind: 'subtree', done: s.done, path: s.path });
  });
});

describe('back', () => {
  it('undoes an answer, and every automated step after it', () => {
    const s0 = start();
    const s1 = answer(s0, 'ask-scope', 'just-me');
    expect(back(trees, s1)).toEqual(s0);
    const s2 = check(s1, 'check-link', { link: { up: false } });
    expect(back(trees, s2)).toEqual(s0);
  });

  it('undoes a confirmation, before and after the action ran', () => {
    const s = atRenew();
    const confirmed = confirm(s, 'renew', true);
    expect(back(trees, confirmed)).toEqual(s);
    expect(back(trees, acted(confirmed, 'renew', true))).toEqual(s);
    expect(back(trees, confirm(s, 'renew', false))).toEqual(s);
  });

  it('reopens an ended session, and restores visit counts through loops and subtrees', () => {
    const loop1 = check(acted(confirm(atRenew(), 'renew', true), 'renew', true), 'check-dns', { dns: { status: 'refused' } });
    const confirmed2 = confirm(loop1, 'renew', true);
    const done = check(acted(confirmed2, 'renew', true), 'check-dns', { dns: { latencyMs: 20 } });
    expect(done.done).toMatchObject({ outcome: 'resolved', node: 'fixed' });
    expect(back(trees, done)).toEqual(loop1);
    expect(back(trees, back(trees, done))).toEqual(atRenew());
    const inWifi = answer(start(), 'ask-scope', 'wifi');
    const moved = check(inWifi, 'signal', { wifi: { signalDbm: -90 } });
    const ended = answerQuestion(trees, moved, { node: 'move', choice: 'better', by: 'u', at: T3 });
    expect(back(trees, ended)).toEqual(moved);
    expect(back(trees, moved)).toEqual(start());
  });

  it('nothing_to_undo without an answer or confirmation', () => {
    fails(() => back(trees, start()), 'nothing_to_undo', 'there is no answer or confirmation to undo in this session');
    const auto = startSession({ entry: tree('entry', [sub('go', 'wifi')]), wifi }, 'entry', T0);
    fails(() => back({ wifi }, auto), 'nothing_to_undo', /no answer or confirmation/);
  });

  it('refuses to go back to a node the given trees do not have', () => {
    fails(() => back({ wifi }, answer(start(), 'ask-scope', 'just-me')), 'unknown_tree', /"ask-scope" of tree "network", which the given trees do not have/);
  });
});

describe('errors', () => {
  it('not_current: input for another node than the current one', () => {
    fails(
      () => answer(answer(start(), 'ask-scope', 'just-me'), 'ask-cable', 'plugged'),
      'not_current',
      'answer for "ask-cable" but the session is at "check-link"',
    );
    fails(() => confirm(start(), 'renew', true), 'not_current', 'confirmation for "renew" but the session is at "ask-scope"');
    fails(() => check(start(), 'check-link', {}), 'not_current', 'check result for "check-link" but the session is at "ask-scope"');
    fails(() => acted(start(), 'renew', true), 'not_current', 'action result for "renew" but the session is at "ask-scope"');
  });

  it('not_a_question / not_an_action / not_a_check: input of the wrong kind for the current node', () => {
    const atCheck = answer(start(), 'ask-scope', 'just-me');
    fails(() => answer(atCheck, 'check-link', 'yes'), 'not_a_question', '"check-link" is a check, not a question');
    fails(() => confirm(atCheck, 'check-link', true), 'not_an_action', '"check-link" is a check, not an action');
    fails(() => acted(start(), 'ask-scope', true), 'not_an_action', '"ask-scope" is a question, not an action');
    fails(() => check(start(), 'ask-scope', {}), 'not_a_check', '"ask-scope" is a question, not a check');
    fails(() => check(atRenew(), 'renew', {}), 'not_a_check', '"renew" is an action, not a check');
  });

  it('unknown_choice lists the choices', () => {
    fails(() => answer(start(), 'ask-scope', 'maybe'), 'unknown_choice', 'no choice "maybe" at "ask-scope"; choices: just-me, everyone, wifi');
  });

  it('finished: no input once the session has ended', () => {
    const done = answer(start(), 'ask-scope', 'everyone');
    fails(() => answer(done, 'outage', 'x'), 'finished', 'the session has ended (handoff at "outage"); go back to reopen it');
    fails(() => acted(done, 'outage', true), 'finished', /has ended/);
  });

  it('not_confirmed and no_confirmation_pending guard confirmations', () => {
    fails(() => acted(atRenew(), 'renew', true), 'not_confirmed', '"renew" must be confirmed before it runs; the session is waiting for that confirmation');
    fails(() => confirm(confirm(atRenew(), 'renew', true), 'renew', true), 'no_confirmation_pending', '"renew" is already confirmed; record its result');
    const atFlush = check(acted(confirm(atRenew(), 'renew', true), 'renew', true), 'check-dns', {});
    fails(() => confirm(atFlush, 'flush', true), 'no_confirmation_pending', '"flush" asks for no confirmation; it runs on its own');
  });

  it('unknown_tree: a root or state the trees do not have', () => {
    fails(() => startSession(trees, 'printers', T0), 'unknown_tree', 'no tree "printers" among the trees given (network, wifi)');
    fails(() => startSession(trees, 'constructor', T0), 'unknown_tree', /no tree "constructor"/);
    fails(
      () => startSession({ t: tree('t', [res('r')], 'nope') }, 't', T0),
      'unknown_tree',
      'tree "t" has no start node "nope"; validate the tree before starting sessions on it',
    );
    fails(() => nextStep({ wifi }, start()), 'unknown_tree', /"ask-scope" of tree "network"/);
    fails(() => view({ wifi }, start()), 'unknown_tree', /pass the trees the session was started with/);
    fails(() => answer({ ...start(), at: { tree: 'network', node: 'nope' } }, 'nope', 'x'), 'unknown_tree', /"nope" of tree "network"/);
    const corrupt: SessionState = { ...start(), at: { tree: 'network', node: 'fixed' } };
    fails(() => nextStep(trees, corrupt), 'unknown_tree', 'the session is at resolve "fixed" but has not ended; pass the trees the session was started with');
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('immutability', () => {
  it('never changes the trees or the state it is given', () => {
    const frozenTrees = deepFreeze(structuredClone(trees));
    const snapshot = JSON.stringify(frozenTrees);
    const steps: Array<(s: SessionState) => SessionState> = [
      (s) => answerQuestion(frozenTrees, s, { node: 'ask-scope', choice: 'just-me', by: 'u', at: T1 }),
      (s) => recordCheck(frozenTrees, s, { node: 'check-link', result: { link: { up: false } }, at: T1 }),
      (s) => answerQuestion(frozenTrees, s, { node: 'ask-cable', choice: 'plugged', by: 'u', at: T1 }),
      (s) => confirmAction(frozenTrees, s, { node: 'renew', confirm: true, by: 'u', at: T1 }),
      (s) => recordAction(frozenTrees, s, { node: 'renew', ok: true, at: T1 }),
      (s) => recordCheck(frozenTrees, s, { node: 'check-dns', result: { dns: { latencyMs: 5 } }, at: T1 }),
      (s) => back(frozenTrees, s),
      (s) => confirmAction(frozenTrees, s, { node: 'renew', confirm: false, by: 'u', at: T1 }),
    ];
    let s = deepFreeze(startSession(frozenTrees, 'network', T0));
    for (const step of steps) {
      const before = JSON.stringify(s);
      const after = deepFreeze(step(s));
      expect(JSON.stringify(s)).toBe(before);
      expect(after).not.toBe(s);
      expect(after.path).not.toBe(s.path);
      nextStep(frozenTrees, after);
      view(frozenTrees, after);
      s = after;
    }
    expect(s.done).toMatchObject({ outcome: 'escalate' });
    expect(JSON.stringify(frozenTrees)).toBe(snapshot);
  });

  it('keeps its own copy of a check result', () => {
    const result = { link: { up: false } };
    const s = recordCheck(trees, answer(start(), 'ask-scope', 'just-me'), { node: 'check-link', result, at: T2 });
    result.link.up = true;
    expect(s.path.at(-1)!.result).toEqual({ link: { up: false } });
  });
});

describe('view', () => {
  it('shows a question with its help and choices (not where they lead)', () => {
    const s = start();
    expect(view(trees, s)).toEqual({
      tree: 'network',
      node: 'ask-scope',
      kind: 'question',
      prompt: 'ask-scope?',
      help: 'Tells a local fault from an outage.',
      choices: [
        { id: 'just-me', label: 'Just me' },
        { id: 'everyone', label: 'Everyone in the office' },
        { id: 'wifi', label: 'Only on Wi-Fi' },
      ],
      done: null,
      path: [],
    });
    expect(view(trees, check(answer(start(), 'ask-scope', 'wifi'), 'signal', { wifi: { signalDbm: -90 } }))).not.toHaveProperty('help');
  });

  it('shows a check title, an action title and confirmation, and an ended session', () => {
    const atCheck = answer(start(), 'ask-scope', 'just-me');
    expect(view(trees, atCheck)).toMatchObject({ kind: 'check', title: 'Check check-link', path: atCheck.path });
    expect(view(trees, atRenew())).toMatchObject({ kind: 'action', title: 'Run renew', confirm: 'Renew the DHCP lease?' });
    const atFlush = check(acted(confirm(atRenew(), 'renew', true), 'renew', true), 'check-dns', {});
    expect(view(trees, atFlush)).not.toHaveProperty('confirm');
    const done = acted(atFlush, 'flush', true);
    expect(view(trees, done)).toEqual({ tree: 'network', node: 'fixed', kind: 'resolve', done: done.done, path: done.path });
  });
});

describe('evaluateCondition', () => {
  const result = { link: { up: true, speed: 1000, name: 'eth0' }, dns: { status: 'timeout' }, items: ['a', 'b'], nothing: null, flat: 3 };
  it.each<[Condition, boolean]>([
    [{ field: 'link.up', equals: true }, true],
    [{ field: 'link.up', equals: 'true' }, false],
    [{ field: 'flat', equals: 3 }, true],
    [{ field: 'link.name', equals: 'eth1' }, false],
    [{ field: 'dns.status', in: ['refused', 'timeout'] }, true],
    [{ field: 'dns.status', in: ['refused'] }, false],
    [{ field: 'link.speed', lessThan: 1001 }, true],
    [{ field: 'link.speed', lessThan: 1000 }, false],
    [{ field: 'link.speed', atLeast: 1000 }, true],
    [{ field: 'link.speed', atLeast: 1001 }, false],
    [{ field: 'link.name', lessThan: 5 }, false],
    [{ field: 'link.up', atLeast: 0 }, false],
    [{ field: 'items.1', equals: 'b' }, true],
    [{ field: 'link.missing', equals: true }, false],
    [{ field: 'missing.deeper', in: [1] }, false],
    [{ field: 'nothing.inside', equals: 1 }, false],
    [{ field: 'flat.inside', atLeast: 0 }, false],
    [{ field: 'link.up.toString', lessThan: 1 }, false],
    [{ field: 'constructor', in: ['x'] }, false],
  ])('%o → %s', (c, expected) => {
    expect(evaluateCondition(c, result)).toBe(expected);
  });
});
