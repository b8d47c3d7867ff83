/** The machine a run measured, so figures from different machines are never compared blindly. */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGb: number;
  platform: string;
  node: string;
  /** `temporal --version` of the CLI that ran the dev server. */
  temporalCli: string;
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  /** The code measured: commit, and the tracked files changed since, so before/after runs can be told apart. */
  code: string;
}

/** `57da953`, or `57da953 + uncommitted changes to a.ts, b.ts`; `unknown` outside a git checkout. */
async function describeCode(projectRoot: string): Promise<string> {
  const git = (args: string[]) => promisify(execFile)('git', args, { cwd: projectRoot, timeout: 10_000 }).then((r) => r.stdout);
  try {
    const commit = (await git(['rev-parse', '--short', 'HEAD'])).trim();
    // Porcelain lines are `XY path`: the status columns may be spaces, so the output is not trimmed.
    const changed = (await git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)BENCHMARKS.md']))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => line.slice(3));
    if (changed.length === 0) return commit;
    const shown = changed.slice(0, 6).join(', ');
    return `${commit} + uncommitted changes to ${shown}${changed.length > 6 ? ` and ${changed.length - 6} more` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export async function describeMachine(temporalCliPath: string, projectRoot: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  const loadAverageAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  let temporalCli: string;
  try {
    const { stdout } = await promisify(execFile)(temporalCliPath, ['--version'], { timeout: 10_000 });
    temporalCli = stdout.trim();
  } catch (error) {
    temporalCli = `unknown (${(error as Error).message})`;
  }
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporalCli,
    date: new Date().toISOString(),
    loadAverageAtStart,
    code: await describeCode(projectRoot),
  };
}
