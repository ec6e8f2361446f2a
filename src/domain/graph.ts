// Graph algorithms on adjacency lists (node i's successors are adj[i]). Iterative, never recursive:
// content can make graphs of 100,000+ nodes, which would overflow the call stack.

/** Which nodes can be reached from `from` (breadth first). */
export function reach(adj: number[][], from: number): boolean[] {
  const seen = new Array<boolean>(adj.length).fill(false);
  seen[from] = true;
  const queue = [from];
  for (let q = 0; q < queue.length; q++) {
    for (const v of adj[queue[q]!]!) {
      if (!seen[v]) {
        seen[v] = true;
        queue.push(v);
      }
    }
  }
  return seen;
}

/**
 * Strongly connected components (Tarjan), with an explicit call stack instead of recursion.
 * Nodes for which `skip` holds are left out, edges to them ignored.
 */
export function stronglyConnected(adj: ReadonlyArray<ReadonlyArray<number>>, skip: (i: number) => boolean = () => false): number[][] {
  const n = adj.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callNode: number[] = [];
  const callEdge: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const open = (v: number) => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    callNode.push(v);
    callEdge.push(0);
  };
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || skip(root)) continue;
    open(root);
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const u = callNode[top]!;
      const e = callEdge[top]!;
      const out = adj[u]!;
      if (e < out.length) {
        callEdge[top] = e + 1;
        const v = out[e]!;
        if (skip(v)) continue;
        if (index[v] === -1) open(v);
        else if (onStack[v]) low[u] = Math.min(low[u]!, index[v]!);
        continue;
      }
      callNode.pop();
      callEdge.pop();
      if (callNode.length > 0) {
        const parent = callNode[callNode.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[u]!);
      }
      if (low[u] === index[u]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== u);
        components.push(component.reverse());
      }
    }
  }
  return components;
}

// Not Math.min(...xs): spreading a component of 100,000+ nodes overflows the call stack.
export const smallest = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b));

/** A component is a cycle when it has several nodes or one node with an edge to itself. */
export const isCyclic = (component: number[], adj: ReadonlyArray<ReadonlyArray<number>>) => component.length > 1 || adj[component[0]!]!.includes(component[0]!);

/** A shortest cycle through `s` inside `members` (which must be a cyclic component holding s). */
export function cycleThrough(s: number, members: ReadonlySet<number>, adj: ReadonlyArray<ReadonlyArray<number>>): number[] {
  const previous = new Map<number, number>();
  const queue = [s];
  let last = -1;
  for (let q = 0; last < 0; q++) {
    const u = queue[q]!;
    for (const v of adj[u]!) {
      if (v === s) {
        last = u;
        break;
      }
      if (members.has(v) && !previous.has(v)) {
        previous.set(v, u);
        queue.push(v);
      }
    }
  }
  const cycle = [last];
  while (cycle[cycle.length - 1] !== s) cycle.push(previous.get(cycle[cycle.length - 1]!)!);
  return cycle.reverse();
}
