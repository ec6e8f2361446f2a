import { describe, expect, it } from 'vitest';
import { cycleThrough, isCyclic, reach, smallest, stronglyConnected } from '../../../src/domain/graph.js';

describe('graph algorithms', () => {
  it('stronglyConnected finds components iteratively and can leave nodes out', () => {
    const adj = [[1], [2], [0, 3], [3], []];
    const sorted = (xs: number[][]) => xs.map((c) => [...c].sort()).sort((a, b) => a[0]! - b[0]!);
    expect(sorted(stronglyConnected(adj))).toEqual([[0, 1, 2], [3], [4]]);
    expect(sorted(stronglyConnected(adj, (i) => i === 1))).toEqual([[0], [2], [3], [4]]);
    const long = Array.from({ length: 50_000 }, (_, i) => [(i + 1) % 50_000]);
    expect(stronglyConnected(long)).toHaveLength(1);
  });

  it('reach: what a breadth-first walk from one node finds', () => {
    expect(reach([[1], [2], [], [0]], 0)).toEqual([true, true, true, false]);
    expect(reach([[1], [2], [], [0]], 3)).toEqual([true, true, true, true]);
  });

  it('isCyclic: several nodes, or one with an edge to itself', () => {
    const adj = [[1], [0], [2], []];
    expect(isCyclic([0, 1], adj)).toBe(true);
    expect(isCyclic([2], adj)).toBe(true);
    expect(isCyclic([3], adj)).toBe(false);
  });

  it('cycleThrough: a shortest loop back to the start inside its component', () => {
    // 0 -> 1 -> 0 is shorter than 0 -> 2 -> 3 -> 0; node 4 is outside the component.
    const adj = [[2, 1], [0, 4], [3], [0], [0]];
    expect(cycleThrough(0, new Set([0, 1, 2, 3]), adj)).toEqual([0, 1]);
    expect(cycleThrough(2, new Set([0, 1, 2, 3]), adj)).toEqual([2, 3, 0]);
  });

  it('smallest: the least of a list too long to spread into Math.min', () => {
    const xs = Array.from({ length: 200_000 }, (_, i) => 200_000 - i);
    expect(smallest(xs)).toBe(1);
  });
});
