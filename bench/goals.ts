// The targets `npm run bench` checks (issue 14): each names the figure it applies to and how it
// is met. A goal relative to the raw Temporal limit reads the limit measured in the same run.
import type { Figure, GoalResult } from './report.js';

export interface Goal {
  /** The start of the figure's name (its size in brackets follows). */
  figure: string;
  text: string;
  met(f: Figure): boolean | null;
}

const known = (v: number | null): v is number => v !== null && Number.isFinite(v);

export const GOALS: Goal[] = [
  {
    figure: 'password reset, ticket -> resolved p50',
    text: 'at most 60 ms',
    met: (f) => (known(f.ours) ? f.ours <= 60 : null),
  },
  {
    figure: 'password resets completed/s',
    text: 'at least 60/s, or at least the raw limit / 1.2 where that limit is lower than 72/s',
    met: (f) => (known(f.ours) ? f.ours >= 60 || (known(f.limit) && f.limit < 72 && f.ours >= f.limit / 1.2) : null),
  },
  {
    figure: 'worker memory per open troubleshooting session',
    text: 'at most 0.5 MB',
    met: (f) => (known(f.ours) ? f.ours <= 0.5 : null),
  },
  {
    figure: 'audit appends/s, PostgreSQL (',
    text: 'at least 2,000/s with 4 concurrent writers (issue 17)',
    met: (f) => (known(f.ours) ? f.ours >= 2000 : null),
  },
  {
    figure: 'intake latency p50',
    text: 'at most 1.3 × a raw client.workflow.start',
    met: (f) => (known(f.ours) && known(f.baseline) ? f.ours <= 1.3 * f.baseline : null),
  },
];

/** The figures with each goal's result attached to the figure it names. */
export function withGoals(figures: Figure[], goals: Goal[] = GOALS): Figure[] {
  return figures.map((f) => {
    const goal = goals.find((g) => f.name.startsWith(g.figure));
    if (!goal) return f;
    const result: GoalResult = { text: goal.text, met: goal.met(f) };
    return { ...f, goal: result };
  });
}
