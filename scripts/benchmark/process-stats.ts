/**
 * RSS and CPU of processes, from Linux's /proc, sampled on an interval: peak resident memory and mean CPU (100% =
 * one core busy) over the sampled window. Each target may include its descendants, so a process that forks helpers
 * is measured whole.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcessTarget {
  role: string;
  pid: number;
  withDescendants: boolean;
}

export interface ProcessStats {
  role: string;
  pids: number[];
  samples: number;
  peakRssMb: number;
  meanCpuPercent: number;
}

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat (100 on nearly every Linux). */
function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

interface ProcSample {
  ppid: number;
  cpuTicks: number;
}

/** ppid and utime+stime; the command name may hold spaces and parentheses, so fields are read after the last ')'. */
function readStat(pid: number): ProcSample | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function readRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process and, when asked, every process below it. */
function processTree(root: number, withDescendants: boolean, stats: Map<number, ProcSample>): number[] {
  if (!withDescendants) return stats.has(root) ? [root] : [];
  const tree = new Set<number>(stats.has(root) ? [root] : []);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, stat] of stats) {
      if (!tree.has(pid) && tree.has(stat.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** Child processes of `parent` whose command line contains every one of `needles` (e.g. the dev server). */
export function findChildProcess(parent: number, needles: readonly string[]): number | null {
  for (const pid of allPids()) {
    if (readStat(pid)?.ppid !== parent) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.every((needle) => cmdline.includes(needle))) return pid;
    } catch {
      // exited meanwhile
    }
  }
  return null;
}

export interface Sampler {
  stop(): ProcessStats[];
}

/** The machine as a whole: CPU from /proc/stat (all cores, in the same one-core units), memory in use. */
function readMachine(): { busyTicks: number; usedKb: number } | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    const busyTicks = cpu.slice(0, 8).reduce((sum, v) => sum + v, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0);
    return { busyTicks, usedKb: kb('MemTotal') - kb('MemAvailable') };
  } catch {
    return null;
  }
}

export const MACHINE_ROLE = 'whole machine';

/**
 * Samples every `intervalMs`. CPU is the sum of positive per-interval tick deltas (a descendant that exits takes its
 * ticks with it) over the wall time between the first and the last sample.
 */
export function startSampler(targets: readonly ProcessTarget[], intervalMs = 500): Sampler {
  const ticksPerSecond = clockTicksPerSecond();
  if (!fs.existsSync('/proc/self/stat')) {
    return { stop: () => targets.map((t) => ({ role: t.role, pids: [t.pid], samples: 0, peakRssMb: 0, meanCpuPercent: 0 })) };
  }
  const state = targets.map((target) => ({
    target,
    pids: new Set<number>(),
    samples: 0,
    peakRssKb: 0,
    busyTicks: 0,
    lastTicks: new Map<number, number>(),
  }));
  let firstAt = 0;
  let lastAt = 0;
  const machine = { first: readMachine(), last: readMachine(), peakUsedKb: 0, samples: 0 };
  const sample = () => {
    const whole = readMachine();
    if (whole) {
      machine.last = whole;
      machine.peakUsedKb = Math.max(machine.peakUsedKb, whole.usedKb);
      machine.samples += 1;
    }
    const needTree = targets.some((t) => t.withDescendants);
    const stats = new Map<number, ProcSample>();
    for (const pid of needTree ? allPids() : targets.map((t) => t.pid)) {
      const stat = readStat(pid);
      if (stat) stats.set(pid, stat);
    }
    const now = performance.now();
    firstAt ||= now;
    lastAt = now;
    for (const entry of state) {
      let rssKb = 0;
      for (const pid of processTree(entry.target.pid, entry.target.withDescendants, stats)) {
        entry.pids.add(pid);
        rssKb += readRssKb(pid);
        const ticks = stats.get(pid)!.cpuTicks;
        const before = entry.lastTicks.get(pid);
        if (before !== undefined && ticks > before) entry.busyTicks += ticks - before;
        entry.lastTicks.set(pid, ticks);
      }
      entry.samples += 1;
      entry.peakRssKb = Math.max(entry.peakRssKb, rssKb);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (lastAt - firstAt) / 1000;
      const cpuPercent = (ticks: number) => (seconds > 0 ? (ticks / ticksPerSecond / seconds) * 100 : 0);
      const stats = state.map((entry) => ({
        role: entry.target.role,
        pids: [...entry.pids],
        samples: entry.samples,
        peakRssMb: entry.peakRssKb / 1024,
        meanCpuPercent: cpuPercent(entry.busyTicks),
      }));
      if (machine.first && machine.last) {
        // Memory in use (MemTotal - MemAvailable), not one process's RSS; CPU of all cores in one-core units.
        const busy = machine.last.busyTicks - machine.first.busyTicks;
        stats.push({ role: MACHINE_ROLE, pids: [], samples: machine.samples, peakRssMb: machine.peakUsedKb / 1024, meanCpuPercent: cpuPercent(busy) });
      }
      return stats;
    },
  };
}
