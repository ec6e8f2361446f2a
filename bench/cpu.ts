// Whether other processes used the CPU while the bench ran: the machine's busy CPU time (Linux
// /proc/stat) minus this process's own (its children included once they exited: the dev server,
// slapd, the worker process). Elsewhere it says nothing.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

interface CpuSample {
  busy: number;
  total: number;
  own: number;
}

function sample(): CpuSample | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
    const busy = user + nice + system + irq + softirq + steal;
    // /proc/self/stat: utime stime cutime cstime are fields 14-17 (after the command in parentheses).
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return { busy, total: busy + idle + iowait, own };
  } catch {
    return null;
  }
}

export interface CpuWatch {
  /** Call after every child process stopped: a sentence when others used more than 10 % of the CPU, else null. */
  contention(): string | null;
}

export function watchCpu(): CpuWatch {
  const start = sample();
  const loadAtStart = loadavg()[0]!;
  return {
    contention() {
      const end = sample();
      if (!start || !end || end.total <= start.total) return null;
      const others = Math.max(0, end.busy - start.busy - (end.own - start.own)) / (end.total - start.total);
      if (others < 0.1) return null;
      return `other processes used ${Math.round(others * 100)} % of the machine's CPU time during the run (1-minute load average ${loadAtStart.toFixed(2)} when it started).`;
    },
  };
}
