import { describe, expect, it } from 'vitest';
import {
  conditionsOverlap,
  DEFAULT_MAX_DEPTH,
  describeCondition,
  formatTreeIssue,
  validateTrees,
  visitLimits,
  type TreeIssue,
} from '../../../../src/domain/trees/validation.js';
import { DecisionTree, type Condition } from '../../../../src/domain/trees/tree.js';
import { GENERATED_ACTIONS, GENERATED_CHECKS, generateTree } from '../../../helpers/trees.js';

// Small builders: every tree goes through the zod schema, so the tests only feed validateTrees
// what content loading would.
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
  title: id,
  branches: branches.map(([when, next]) => ({ when, next })),
  ...(dflt !== undefined && { default: dflt }),
  ...extra,
});
const act = (id: string, next: string, onFailure: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'action',
  action: 'network.renewDhcp',
  title: id,
  permission: 'endpoint.remediate',
  next,
  onFailure,
  ...extra,
});
const res = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'resolve', outcome: 'resolved', text: `done at ${id}`, ...extra });
const sub = (id: string, tree: string) => ({ id, kind: 'subtree', tree });
const tree = (id: string, nodes: unknown[], start?: string): DecisionTree =>
  DecisionTree.parse({ id, title: id, start: start ?? (nodes[0] as { id: string }).id, nodes });

/** Branches on one field that validation must accept without a default. */
const ok = (branches: Array<[Condition, string]>, dflt?: string) => tree('t', [chk('c', branches, dflt), res('a'), res('b'), res('z')]);
const codes = (issues: TreeIssue[]) => issues.map((i) => i.code);

const connectivity = tree('network-connectivity', [
  q('ask-scope', [
    ['just-me', 'check-link', 'Just me'],
    ['everyone', 'outage', 'Everyone in the office'],
  ]),
  chk('check-link', [
    [{ field: 'link.up', equals: false }, 'ask-cable'],
    [{ field: 'link.up', equals: true }, 'renew'],
  ]),
  q('ask-cable', [
    ['plugged', 'renew', 'I plugged it back in'],
    ['fine', 'escalate', 'It was plugged in'],
  ]),
  act('renew', 'check-dns', 'escalate', { confirm: 'Renew the DHCP lease?', maxVisits: 3 }),
  chk(
    'check-dns',
    [
      [{ field: 'dns.latencyMs', lessThan: 200 }, 'fixed'],
      [{ field: 'dns.status', in: ['timeout', 'refused'] }, 'renew'],
    ],
    'wifi',
    {
      check: 'network.dns',
    },
  ),
  sub('wifi', 'wifi-basics'),
  res('fixed', { kb: 'KB-1001' }),
  res('outage', { outcome: 'handoff', queue: 'network-team' }),
  res('escalate', { outcome: 'escalate', queue: 'network-team' }),
]);
const wifi = tree('wifi-basics', [
  chk(
    'signal',
    [
      [{ field: 'wifi.signalDbm', lessThan: -70 }, 'move'],
      [{ field: 'wifi.signalDbm', atLeast: -70 }, 'good'],
    ],
    undefined,
    { check: 'wifi.signal' },
  ),
  res('move'),
  res('good'),
]);

describe('valid trees', () => {
  it('produce no issues, with the registered names checked', () => {
    const checks = new Set(['network.link', 'network.dns', 'wifi.signal']);
    expect(validateTrees([connectivity, wifi], { checks, actions: new Set(['network.renewDhcp']) })).toEqual([]);
    expect(validateTrees([connectivity, wifi])).toEqual([]);
  });

  it.each([50, 1_000, 10_000])('generated tree of %i nodes, with and without loops', (n) => {
    for (const loops of [false, true]) {
      const generated = generateTree(n, { seed: n, loops });
      expect(generated.nodes).toHaveLength(n);
      expect(DecisionTree.parse(generated)).toEqual(generated);
      expect(validateTrees([generated], { checks: GENERATED_CHECKS, actions: GENERATED_ACTIONS })).toEqual([]);
    }
  });

  it('generated trees are deterministic per seed, have bounded loops when asked and every node kind', () => {
    expect(generateTree(300, { seed: 4, loops: true })).toEqual(generateTree(300, { seed: 4, loops: true }));
    expect(generateTree(300, { seed: 4 })).not.toEqual(generateTree(300, { seed: 5 }));
    const looped = generateTree(1_000, { seed: 2, loops: true, id: 'looped' });
    expect(looped.id).toBe('looped');
    expect(looped.nodes.some((n) => n.maxVisits === 3)).toBe(true);
    expect(new Set(looped.nodes.map((n) => n.kind))).toEqual(new Set(['question', 'check', 'action', 'resolve']));
    expect(generateTree(1_000, { seed: 2 }).nodes.some((n) => n.maxVisits !== undefined)).toBe(false);
    expect(() => generateTree(0)).toThrow(RangeError);
  });
});

describe('one issue per problem, with its path', () => {
  it('duplicate_id names the repeated node and where its id was first used', () => {
    const issues = validateTrees([tree('t', [q('a', [['x', 'b']]), res('b'), res('b')])]);
    expect(issues).toEqual([{ tree: 't', node: 'b', path: 'nodes[2].id', code: 'duplicate_id', message: expect.stringContaining('nodes[1] has the same id') }]);
  });

  it('duplicate_tree names the other tree', () => {
    const issues = validateTrees([tree('t', [res('a')]), tree('u', [res('a')]), tree('t', [res('b')])]);
    expect(issues).toEqual([{ tree: 't', path: 'id', code: 'duplicate_tree', message: 'trees[0] has the same id; give every tree its own id' }]);
  });

  it('bad_start, and then every dead end is reported (no node is reachable to judge by)', () => {
    const issues = validateTrees([tree('t', [q('a', [['x', 'b']]), q('b', [['y', 'a']], { maxVisits: 2 }), res('c')], 'nope')]);
    expect(issues).toEqual([
      { tree: 't', path: 'start', code: 'bad_start', message: expect.stringContaining('start "nope" is not a node of this tree') },
      { tree: 't', node: 'a', path: 'nodes[0]', code: 'no_resolution', message: expect.stringContaining('can never finish') },
      { tree: 't', node: 'b', path: 'nodes[1]', code: 'no_resolution', message: expect.any(String) },
    ]);
  });

  it('dangling_reference for every kind of reference, without a cascade of dead ends', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['x', 'c'],
          ['y', 'gone-1'],
        ]),
        chk('c', [[{ field: 'f', equals: 1 }, 'gone-2']], 'gone-3'),
        act('d', 'gone-4', 'gone-5'),
        q('e', [['z', 'd']]),
      ]),
    ]);
    expect(issues.map((i) => [i.code, i.node, i.path])).toEqual([
      ['dangling_reference', 'a', 'nodes[0].choices[1].next'],
      ['dangling_reference', 'c', 'nodes[1].branches[0].next'],
      ['dangling_reference', 'c', 'nodes[1].default'],
      ['dangling_reference', 'd', 'nodes[2].next'],
      ['dangling_reference', 'd', 'nodes[2].onFailure'],
      ['unreachable', 'd', 'nodes[2]'],
      ['unreachable', 'e', 'nodes[3]'],
    ]);
    expect(issues[0]!.message).toBe('"gone-1" is not a node of this tree; point it at an existing node or add a node with that id');
  });

  it('unknown_subtree lists the trees of the set', () => {
    const issues = validateTrees([tree('t', [sub('s', 'printers')]), tree('u', [res('r')])]);
    expect(issues).toEqual([
      {
        tree: 't',
        node: 's',
        path: 'nodes[0].tree',
        code: 'unknown_subtree',
        message: '"printers" is not a tree of this set; use one of: t, u, or add that tree',
      },
    ]);
  });

  it('subtree_cycle across trees and of a tree using itself, once per cycle', () => {
    const a = tree('a', [
      q('start', [
        ['b', 'to-b'],
        ['c', 'to-c'],
      ]),
      sub('to-b', 'b'),
      sub('to-c', 'c'),
    ]);
    const b = tree('b', [q('start', [['x', 'to-a']]), sub('to-a', 'a')]);
    const c = tree('c', [res('end')]);
    const d = tree('d', [sub('again', 'd')]);
    expect(validateTrees([a, b, c, d])).toEqual([
      { tree: 'b', node: 'to-a', path: 'nodes[1].tree', code: 'subtree_cycle', message: expect.stringContaining('(a → b → a)') },
      { tree: 'd', node: 'again', path: 'nodes[0].tree', code: 'subtree_cycle', message: expect.stringContaining('(d → d)') },
    ]);
  });

  it('unreachable: every node nothing leads to from start', () => {
    const issues = validateTrees([tree('t', [q('a', [['x', 'b']]), res('b'), res('lost'), act('orphan', 'b', 'lost')])]);
    expect(issues).toEqual([
      { tree: 't', node: 'lost', path: 'nodes[2]', code: 'unreachable', message: 'no path from start "a" leads here; link it from another node or remove it' },
      { tree: 't', node: 'orphan', path: 'nodes[3]', code: 'unreachable', message: expect.any(String) },
    ]);
  });

  it('cycle: a loop without maxVisits names its nodes and the reference that closes it', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['x', 'b'],
          ['y', 'done'],
        ]),
        chk('b', [[{ field: 'f', equals: true }, 'c']], 'done'),
        act('c', 'a', 'done'),
        act('self', 'self', 'done'),
        res('done'),
      ]),
    ]);
    expect(issues).toEqual([
      { tree: 't', node: 'self', path: 'nodes[3]', code: 'unreachable', message: expect.any(String) },
      {
        tree: 't',
        node: 'c',
        path: 'nodes[2].next',
        code: 'cycle',
        message: 'loop a → b → c → a has no node with maxVisits, so a session could go round it forever; set maxVisits on one of its nodes or break the loop',
      },
      { tree: 't', node: 'self', path: 'nodes[3].next', code: 'cycle', message: expect.stringContaining('loop self → self ') },
    ]);
  });

  it('cycle: a loop is named from its first node in the file, wherever the walk enters it', () => {
    const t = tree('t', [
      q('a', [['x', 'c']]),
      q('b', [
        ['x', 'c'],
        ['y', 'done'],
      ]),
      q('c', [['x', 'b']]),
      res('done'),
    ]);
    expect(validateTrees([t])).toEqual([
      { tree: 't', node: 'c', path: 'nodes[2].choices[0].next', code: 'cycle', message: expect.stringMatching(/^loop b → c → b has no node/) },
    ]);
  });

  it('cycle: one bounded node bounds a loop only if every loop passes it', () => {
    const bounded = tree('t', [
      q(
        'a',
        [
          ['x', 'b'],
          ['y', 'done'],
        ],
        { maxVisits: 3 },
      ),
      q('b', [['x', 'a']]),
      res('done'),
    ]);
    expect(validateTrees([bounded])).toEqual([]);
    // a ↔ b is bounded by a, but b ↔ c avoids it.
    const leaky = tree('t', [
      q(
        'a',
        [
          ['x', 'b'],
          ['y', 'done'],
        ],
        { maxVisits: 3 },
      ),
      q('b', [
        ['x', 'a'],
        ['y', 'c'],
      ]),
      q('c', [
        ['x', 'b'],
        ['y', 'd'],
      ]),
      q('d', [
        ['x', 'c'],
        ['y', 'done'],
      ]),
      res('done'),
    ]);
    expect(validateTrees([leaky])).toEqual([
      {
        tree: 't',
        node: 'c',
        path: 'nodes[2].choices[0].next',
        code: 'cycle',
        message: expect.stringContaining('loop b → c → b (one of the loops among 3 nodes)'),
      },
    ]);
  });

  it('no_resolution: reachable nodes that can never reach a resolve or subtree node', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['x', 'stuck'],
          ['y', 'leave'],
        ]),
        q('stuck', [['again', 'spin']], { maxVisits: 5 }),
        q('spin', [['back', 'stuck']]),
        sub('leave', 'u'),
      ]),
      tree('u', [res('r')]),
    ]);
    expect(issues).toEqual([
      {
        tree: 't',
        node: 'stuck',
        path: 'nodes[1]',
        code: 'no_resolution',
        message: expect.stringContaining('no route from this node ends in a resolve or subtree node'),
      },
      { tree: 't', node: 'spin', path: 'nodes[2]', code: 'no_resolution', message: expect.any(String) },
    ]);
  });

  it('duplicate_choice: repeated ids and labels that differ only in case and spaces', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['yes', 'r', 'Yes'],
          ['no', 'r', ' yes  '],
          ['yes', 'r', 'Maybe'],
        ]),
        res('r'),
      ]),
    ]);
    expect(issues).toEqual([
      {
        tree: 't',
        node: 'a',
        path: 'nodes[0].choices[1].label',
        code: 'duplicate_choice',
        message: expect.stringContaining('choices[0] has the same label "yes"'),
      },
      { tree: 't', node: 'a', path: 'nodes[0].choices[2].id', code: 'duplicate_choice', message: expect.stringContaining('choices[0] has the same id "yes"') },
    ]);
  });

  it('duplicate_choice: labels that differ only in the spaces inside them, or in full-width letters', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['one', 'r', 'Only this device'],
          ['two', 'r', '  Only   this\tdevice  '],
          ['three', 'r', 'Ｏｎｌｙ this device'],
          ['four', 'r', 'Only these devices'],
        ]),
        res('r'),
      ]),
    ]);
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['nodes[0].choices[1].label', expect.stringContaining('choices[0] has the same label')],
      ['nodes[0].choices[2].label', expect.stringContaining('choices[0] has the same label')],
    ]);
  });

  it('overlapping_conditions names both branches', () => {
    const issues = validateTrees([
      ok(
        [
          [{ field: 'f', equals: 'x' }, 'a'],
          [{ field: 'g', atLeast: 3 }, 'b'],
          [{ field: 'f', in: ['y', 'x'] }, 'b'],
        ],
        'z',
      ),
    ]);
    expect(issues).toEqual([
      {
        tree: 't',
        node: 'c',
        path: 'nodes[0].branches[2].when',
        code: 'overlapping_conditions',
        message: 'f in ["y", "x"] overlaps branches[0] (f = "x"): a result matching both always takes branches[0]; make the conditions exclusive',
      },
    ]);
  });

  it.each<[string, Condition, Condition, boolean]>([
    ['equals / equals, same value', { field: 'f', equals: 3 }, { field: 'f', equals: 3 }, true],
    ['equals / equals, another value', { field: 'f', equals: 3 }, { field: 'f', equals: 4 }, false],
    ['equals / equals, number and string', { field: 'f', equals: 1 }, { field: 'f', equals: '1' }, false],
    ['equals inside in', { field: 'f', in: ['a', true] }, { field: 'f', equals: true }, true],
    ['equals outside in', { field: 'f', equals: 'c' }, { field: 'f', in: ['a', 'b'] }, false],
    ['in / in intersecting', { field: 'f', in: [1, 2] }, { field: 'f', in: [2, 3] }, true],
    ['in / in apart', { field: 'f', in: [1, 2] }, { field: 'f', in: [3] }, false],
    ['lessThan x / atLeast y, y < x', { field: 'f', lessThan: 10 }, { field: 'f', atLeast: 5 }, true],
    ['lessThan x / atLeast x', { field: 'f', lessThan: 10 }, { field: 'f', atLeast: 10 }, false],
    ['atLeast / lessThan, apart', { field: 'f', atLeast: 10 }, { field: 'f', lessThan: 5 }, false],
    ['lessThan / lessThan', { field: 'f', lessThan: 1 }, { field: 'f', lessThan: 100 }, true],
    ['atLeast / atLeast', { field: 'f', atLeast: 1 }, { field: 'f', atLeast: 100 }, true],
    ['equals number inside a range', { field: 'f', equals: 5 }, { field: 'f', atLeast: 5 }, true],
    ['equals number outside a range', { field: 'f', lessThan: 5 }, { field: 'f', equals: 5 }, false],
    ['equals string and a range', { field: 'f', equals: '5' }, { field: 'f', lessThan: 50 }, false],
    ['in with a number inside a range', { field: 'f', atLeast: 0 }, { field: 'f', in: ['x', 7] }, true],
    ['different fields', { field: 'f', equals: 1 }, { field: 'g', equals: 1 }, false],
  ])('overlap: %s', (_name, a, b, expected) => {
    expect(conditionsOverlap(a, b)).toBe(expected);
    expect(conditionsOverlap(b, a)).toBe(expected);
    const issues = validateTrees([
      ok(
        [
          [a, 'a'],
          [b, 'b'],
        ],
        'z',
      ),
    ]);
    expect(codes(issues)).toEqual(expected ? ['overlapping_conditions'] : []);
  });

  it('describes every condition form', () => {
    expect([
      describeCondition({ field: 'a.b', equals: 'x' }),
      describeCondition({ field: 'a', in: [1, false] }),
      describeCondition({ field: 'n', lessThan: -70 }),
      describeCondition({ field: 'n', atLeast: 3.5 }),
    ]).toEqual(['a.b = "x"', 'a in [1, false]', 'n < -70', 'n >= 3.5']);
  });

  it.each<[string, Array<[Condition, string]>, boolean]>([
    [
      'equals true and false',
      [
        [{ field: 'up', equals: true }, 'a'],
        [{ field: 'up', equals: false }, 'b'],
      ],
      true,
    ],
    [
      'lessThan x and atLeast x',
      [
        [{ field: 'n', atLeast: -70 }, 'a'],
        [{ field: 'n', lessThan: -70 }, 'b'],
      ],
      true,
    ],
    [
      'lessThan x and atLeast y below x (overlapping, still a cover)',
      [
        [{ field: 'n', lessThan: 10 }, 'a'],
        [{ field: 'n', atLeast: 5 }, 'b'],
      ],
      true,
    ],
    [
      'a cover on one field beside others',
      [
        [{ field: 'o', in: ['x'] }, 'a'],
        [{ field: 'up', equals: false }, 'b'],
        [{ field: 'up', equals: true }, 'b'],
      ],
      true,
    ],
    [
      'a gap between the ranges',
      [
        [{ field: 'n', lessThan: 5 }, 'a'],
        [{ field: 'n', atLeast: 10 }, 'b'],
      ],
      false,
    ],
    ['only equals true', [[{ field: 'up', equals: true }, 'a']], false],
    [
      'strings',
      [
        [{ field: 's', equals: 'ok' }, 'a'],
        [{ field: 's', in: ['bad'] }, 'b'],
      ],
      false,
    ],
    [
      'true and false on different fields',
      [
        [{ field: 'up', equals: true }, 'a'],
        [{ field: 'down', equals: false }, 'b'],
      ],
      false,
    ],
    [
      'two lessThan',
      [
        [{ field: 'n', lessThan: 5 }, 'a'],
        [{ field: 'm', lessThan: 10 }, 'b'],
      ],
      false,
    ],
  ])('missing_default unless the branches provably cover every case: %s', (_name, branches, covered) => {
    const dflt = validateTrees([ok(branches, 'z')]).filter((i) => i.code === 'missing_default');
    expect(dflt).toEqual([]);
    const issues = validateTrees([ok(branches)]).filter((i) => i.code === 'missing_default');
    expect(issues).toEqual(
      covered ? [] : [{ tree: 't', node: 'c', path: 'nodes[0].default', code: 'missing_default', message: expect.stringContaining('add a default') }],
    );
  });

  it('queue_missing for escalate and handoff without a (non-blank) queue', () => {
    const issues = validateTrees([
      tree('t', [
        q('a', [
          ['x', 'esc'],
          ['y', 'hand'],
          ['z', 'fine'],
          ['w', 'ok'],
        ]),
        res('esc', { outcome: 'escalate' }),
        res('hand', { outcome: 'handoff', queue: '  ' }),
        res('fine', { outcome: 'escalate', queue: 'tier-2' }),
        res('ok'),
      ]),
    ]);
    expect(issues).toEqual([
      {
        tree: 't',
        node: 'esc',
        path: 'nodes[1].queue',
        code: 'queue_missing',
        message: expect.stringContaining('outcome escalate passes the ticket to people but names no queue'),
      },
      { tree: 't', node: 'hand', path: 'nodes[2].queue', code: 'queue_missing', message: expect.stringContaining('outcome handoff') },
    ]);
  });

  it('too_large above maxNodes (default 20,000)', () => {
    const small = generateTree(30, { seed: 1 });
    expect(validateTrees([small], { maxNodes: 29 })).toEqual([
      { tree: 'generated', path: 'nodes', code: 'too_large', message: 'the tree has 30 nodes, more than the limit of 29; split it into subtrees' },
    ]);
    expect(validateTrees([small], { maxNodes: 30 })).toEqual([]);
    const big = generateTree(20_001, { seed: 1 });
    expect(codes(validateTrees([big]))).toEqual(['too_large']);
  });

  it('unknown_check and unknown_action when the registered names are given, listing them (cut short when long)', () => {
    const t = tree('t', [
      chk('c', [[{ field: 'up', equals: true }, 'a']], 'r', { check: 'network.ping' }),
      act('a', 'r', 'r', { action: 'disk.wipe' }),
      res('r'),
    ]);
    const many = new Set(Array.from({ length: 14 }, (_, i) => `network.check${String.fromCharCode(97 + i)}`));
    const issues = validateTrees([t], { checks: many, actions: new Set(['network.renewDhcp', 'disk.cleanup']) });
    expect(issues).toEqual([
      {
        tree: 't',
        node: 'c',
        path: 'nodes[0].check',
        code: 'unknown_check',
        message: expect.stringContaining('"network.ping" is not a registered diagnostic; use one of: network.checka, network.checkb,'),
      },
      {
        tree: 't',
        node: 'a',
        path: 'nodes[1].action',
        code: 'unknown_action',
        message: '"disk.wipe" is not a registered remediation; use one of: disk.cleanup, network.renewDhcp',
      },
    ]);
    expect(issues[0]!.message).toContain('network.checkl, … (14 in all)');
  });
});

/** start → n1 → … → n(len-1) → done: a path of len + 1 nodes. */
function chain(len: number, extra: unknown[] = []): DecisionTree {
  const nodes: unknown[] = Array.from({ length: len }, (_, i) => q(`n${i}`, [['next', i + 1 < len ? `n${i + 1}` : 'done']]));
  return tree('deep', [...nodes, res('done'), ...extra]);
}

describe('depth', () => {
  it('too_deep when the longest path from start passes more than maxDepth nodes', () => {
    expect(validateTrees([chain(DEFAULT_MAX_DEPTH - 1)])).toEqual([]);
    expect(validateTrees([chain(DEFAULT_MAX_DEPTH)])).toEqual([
      {
        tree: 'deep',
        node: 'done',
        path: 'start',
        code: 'too_deep',
        message: 'the longest path from start passes 501 nodes (down to this node), more than the limit of 500; move parts of it into subtrees',
      },
    ]);
    expect(validateTrees([chain(20)], { maxDepth: 21 })).toEqual([]);
    expect(codes(validateTrees([chain(20)], { maxDepth: 20 }))).toEqual(['too_deep']);
  });

  it('counts the longest path, not the shortest, and ignores the back edges of bounded loops', () => {
    // a → {short: done, long: b → c → done}; c loops back to a (bounded).
    const t = tree('t', [
      q(
        'a',
        [
          ['short', 'done'],
          ['long', 'b'],
        ],
        { maxVisits: 2 },
      ),
      q('b', [['x', 'c']]),
      q('c', [
        ['x', 'done'],
        ['again', 'a'],
      ]),
      res('done'),
    ]);
    expect(validateTrees([t], { maxDepth: 4 })).toEqual([]);
    expect(validateTrees([t], { maxDepth: 3 })).toEqual([
      expect.objectContaining({ code: 'too_deep', node: 'done', message: expect.stringContaining('passes 4 nodes') }),
    ]);
  });

  // No wall-clock limit here (shared machines): a recursive walk would overflow the stack on these.
  it('handles a 10,000-node chain and a dense 10,000-node DAG without recursion', () => {
    expect(validateTrees([chain(10_000)], { maxDepth: 20_000 })).toEqual([]);
    expect(validateTrees([chain(10_000)])[0]).toMatchObject({ code: 'too_deep', message: expect.stringContaining('passes 10001 nodes') });
    // Every node points at the next three: 3^n paths, but one pass finds the longest.
    const dense = tree(
      'dense',
      Array.from({ length: 10_000 }, (_, i) =>
        i >= 9_997
          ? res(`n${i}`)
          : q(`n${i}`, [
              ['a', `n${i + 1}`],
              ['b', `n${i + 2}`],
              ['c', `n${i + 3}`],
            ]),
      ),
    );
    expect(validateTrees([dense], { maxDepth: 10_000 })).toEqual([]);
  });
});

describe('huge bad graphs', () => {
  it('a 150,000-node loop is reported, not thrown', () => {
    const n = 150_000;
    // Built directly (the schema adds nothing here) to keep the test quick.
    const ring = {
      id: 'ring',
      title: 'ring',
      responders: ['helpdesk'],
      start: 'n0',
      nodes: [...Array.from({ length: n }, (_, i) => q(`n${i}`, [['x', `n${(i + 1) % n}`]])), res('never')],
    } as DecisionTree;
    const issues = validateTrees([ring]);
    const count = new Map<string, number>();
    for (const i of issues) count.set(i.code, (count.get(i.code) ?? 0) + 1);
    expect(Object.fromEntries(count)).toEqual({ too_large: 1, unreachable: 1, cycle: 1, no_resolution: n, too_deep: 1 });
    expect(issues.find((i) => i.code === 'cycle')).toMatchObject({
      node: `n${n - 1}`,
      path: `nodes[${n - 1}].choices[0].next`,
      message: expect.stringMatching(/^loop n0 → n1 → n2 → n3 → n4 → n5 → n6 → n7 → … \(149990 more\) → n149998 → n149999 → n0 has no node with maxVisits/),
    });
    expect(issues.find((i) => i.code === 'too_deep')).toMatchObject({ node: `n${n - 1}`, message: expect.stringContaining('passes 150000 nodes') });
  });
});

describe('several problems at once', () => {
  it('are all reported, in tree and node order, and format on one line each', () => {
    const broken = tree('network-connectivity', [
      q('ask-scope', [
        ['me', 'check-dns', 'Just me'],
        ['me', 'nowhere', 'Just me '],
      ]),
      chk('check-dns', [
        [{ field: 'dns.ms', lessThan: 200 }, 'esc'],
        [{ field: 'dns.ms', lessThan: 100 }, 'esc'],
      ]),
      res('esc', { outcome: 'escalate' }),
      res('esc'),
      sub('other', 'missing-tree'),
    ]);
    const issues = validateTrees([broken, tree('network-connectivity', [res('r')])]);
    expect(issues.map(formatTreeIssue)).toEqual([
      'network-connectivity: (id): duplicate_tree: trees[0] has the same id; give every tree its own id',
      expect.stringMatching(/^network-connectivity: node ask-scope \(nodes\[0\]\.choices\[1\]\.next\): dangling_reference: "nowhere"/),
      expect.stringMatching(/^network-connectivity: node ask-scope \(nodes\[0\]\.choices\[1\]\.id\): duplicate_choice: /),
      expect.stringMatching(/^network-connectivity: node ask-scope \(nodes\[0\]\.choices\[1\]\.label\): duplicate_choice: /),
      'network-connectivity: node check-dns (nodes[1].branches[1].when): overlapping_conditions: dns.ms < 100 overlaps branches[0] (dns.ms < 200): a result matching both always takes branches[0]; make the conditions exclusive',
      expect.stringMatching(/^network-connectivity: node check-dns \(nodes\[1\]\.default\): missing_default: /),
      expect.stringMatching(/^network-connectivity: node esc \(nodes\[2\]\.queue\): queue_missing: /),
      expect.stringMatching(/^network-connectivity: node esc \(nodes\[3\]\.id\): duplicate_id: /),
      expect.stringMatching(/^network-connectivity: node other \(nodes\[4\]\.tree\): unknown_subtree: "missing-tree"/),
      expect.stringMatching(/^network-connectivity: node other \(nodes\[4\]\): unreachable: /),
    ]);
  });
});

describe('graph helpers', () => {
  it('visitLimits: maxVisits where set, else one plus the bounds on its loops', () => {
    const t = tree('t', [
      q(
        'a',
        [
          ['x', 'b'],
          ['y', 'done'],
        ],
        { maxVisits: 3 },
      ),
      q('b', [
        ['x', 'a'],
        ['y', 'c'],
      ]),
      q(
        'c',
        [
          ['x', 'b'],
          ['y', 'd'],
        ],
        { maxVisits: 2 },
      ),
      q('d', [['x', 'done']]),
      res('done'),
    ]);
    expect(Object.fromEntries(visitLimits(t))).toEqual({ a: 3, b: 6, c: 2, d: 1, done: 1 });
    // A repeated id is the first node's, as everywhere else.
    const repeated = tree('t', [
      q(
        'a',
        [
          ['x', 'a'],
          ['y', 'done'],
        ],
        { maxVisits: 4 },
      ),
      res('done'),
      res('a', { maxVisits: 9 }),
    ]);
    expect(Object.fromEntries(visitLimits(repeated))).toEqual({ a: 4, done: 1 });
  });
});
