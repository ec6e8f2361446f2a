// When a self-service automation may be started: weekly windows in a time zone. The current time
// is passed in; nothing here reads the clock.
import { z } from 'zod';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MINUTES_PER_DAY = 24 * 60;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One formatter per time zone (building them is the expensive part); throws RangeError for unknown zones. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * A weekly window in a time zone. `to` earlier than `from` crosses midnight: the window opens on
 * one of `days` at `from` and closes at `to` on the next day. `to: "24:00"` means end of day.
 */
export const AvailabilityWindow = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1),
    from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (00:00 to 23:59)'),
    to: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'use HH:MM (00:00 to 24:00)'),
    timeZone: z.string().superRefine((tz, ctx) => {
      try {
        formatterFor(tz);
      } catch {
        ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}" (use an IANA name such as Europe/London)` });
      }
    }),
  })
  .refine((w) => w.from !== w.to, { path: ['to'], message: 'from and to are equal; a whole day is 00:00 to 24:00' });
export type AvailabilityWindow = z.infer<typeof AvailabilityWindow>;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The weekday (0 = Monday) and minute of the day at `now` on the wall clocks of `timeZone`. */
function localTime(timeZone: string, now: Date): { day: number; minute: number } {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return { day: DAY_NAMES.indexOf(parts.weekday as (typeof DAY_NAMES)[number]), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function windowOpen(w: AvailabilityWindow, now: Date): boolean {
  const { day, minute } = localTime(w.timeZone, now);
  const on = (d: number) => w.days.includes(DAYS[d] as (typeof DAYS)[number]);
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  if (from < to) return on(day) && minute >= from && minute < to;
  // Crosses midnight: opened today, or opened yesterday and not yet closed.
  return (on(day) && minute >= from) || (on((day + 6) % 7) && minute < to);
}

/** True when `now` falls inside any of the windows; no windows at all means always available. */
export function inWindow(windows: readonly AvailabilityWindow[] | undefined, now: Date): boolean {
  if (windows === undefined) return true;
  return windows.some((w) => windowOpen(w, now));
}

/** "Mon–Fri", "Mon, Wed", "Sat, Sun": runs of three or more days become ranges. */
function describeDays(days: readonly string[]): string {
  const idx = [...new Set(days.map((d) => DAYS.indexOf(d as (typeof DAYS)[number])))].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const i of idx) {
    const run = runs.at(-1);
    if (run && run.at(-1) === i - 1) run.push(i);
    else runs.push([i]);
  }
  return runs
    .map((run) => (run.length >= 3 ? `${DAY_NAMES[run[0] as number]}–${DAY_NAMES[run.at(-1) as number]}` : run.map((i) => DAY_NAMES[i]).join(', ')))
    .join(', ');
}

/** "Mon–Fri 07:00–19:00 Europe/London"; a window across midnight says so. */
export function describeWindow(w: AvailabilityWindow): string {
  const overnight = minutesOf(w.to) < minutesOf(w.from) ? ' (next day)' : '';
  return `${describeDays(w.days)} ${w.from}–${w.to}${overnight} ${w.timeZone}`;
}

/** The soonest opening of any window, in the words of its own time zone: "Mon 07:00 Europe/London". */
export function nextOpening(windows: readonly AvailabilityWindow[], now: Date): string {
  let best = { wait: Infinity, words: '' };
  for (const w of windows) {
    const { day, minute } = localTime(w.timeZone, now);
    const from = minutesOf(w.from);
    for (const d of w.days) {
      const openDay = DAYS.indexOf(d);
      const daysAhead = (openDay - day + 7) % 7 || (from > minute ? 0 : 7);
      const wait = daysAhead * MINUTES_PER_DAY + from - minute;
      if (wait < best.wait) best = { wait, words: `${DAY_NAMES[openDay]} ${w.from} ${w.timeZone}` };
    }
  }
  return best.words;
}
