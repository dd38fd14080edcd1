/**
 * Open MPI jobs for the tests and the bench: the ring program (ring.c) and
 * the debugger's job (ranks.c) built with mpicc, the mpirun command line,
 * and the scratch files a job leaves in /dev/shm and the temporary directory.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where mpirun is, or undefined when Open MPI is not installed. */
export function mpirunPath(): string | undefined {
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const f = path.join(d, 'mpirun');
    if (fs.existsSync(f) && fs.existsSync(path.join(d, 'mpicc'))) return f;
  }
  return undefined;
}

/** Why the MPI tests cannot run here (one line), or false. */
export const skipUnlessMpi = mpirunPath() ? false : 'Open MPI is not installed (no mpirun and mpicc): apt-get install openmpi-bin libopenmpi-dev';

export const RING_SRC = path.resolve(__dirname, '../../../test/mpi/ring.c');

/** Builds ring.c into dir; returns the executable's path. */
export function buildRing(dir: string): string {
  const exe = path.join(dir, 'ring');
  execFileSync('mpicc', ['-O1', '-g', '-o', exe, RING_SRC], { stdio: ['ignore', 'ignore', 'pipe'] });
  return exe;
}

export const RANKS_SRC = path.resolve(__dirname, '../../../test/mpi/ranks.c');

/** Builds ranks.c (the debugger's job) into dir without optimization; returns the executable's path. */
export function buildRanks(dir: string): string {
  const exe = path.join(dir, 'ranks');
  execFileSync('mpicc', ['-O0', '-g', '-o', exe, RANKS_SRC], { stdio: ['ignore', 'ignore', 'pipe'] });
  return exe;
}

/**
 * mpirun's command line for `np` ranks of `argv`. Several ranks share each of
 * this machine's cores (--oversubscribe); root is let run them
 * (--allow-run-as-root: CI runs as root), and `btl` limits the transports
 * (`self,tcp`: no shared memory), else Open MPI's defaults. `options.host`
 * places the ranks (`--host A:2,B:2`), `options.mca` sets more of Open MPI's
 * parameters (e.g. plm_rsh_agent: how mpirun reaches the other hosts).
 */
export function mpirun(np: number, argv: string[], btl?: string, options: { host?: string; mca?: Record<string, string> } = {}): string[] {
  const mca = Object.entries(options.mca ?? {}).flatMap(([k, v]) => ['--mca', k, v]);
  const host = options.host ? ['--host', options.host] : [];
  return [mpirunPath() ?? 'mpirun', '--allow-run-as-root', '--oversubscribe', '-np', String(np), ...host, ...(btl ? ['--mca', 'btl', btl] : []), ...mca, ...portRange(), ...argv];
}

/**
 * The job's TCP ports, from a range of this test run's own below the kernel's
 * ephemeral ports (32768 and up): a restarted rank listens again on the port
 * it had, which another program may have taken meanwhile if the kernel chose
 * it (the restart is then refused, naming the port; README, "MPI jobs"). Two
 * test runs at once on one machine pick different ranges.
 */
function portRange(): string[] {
  const base = 20000 + (process.pid % 150) * 64;
  return [
    '--mca', 'btl_tcp_port_min_v4', String(base), '--mca', 'btl_tcp_port_range_v4', '16',
    '--mca', 'btl_tcp_port_min_v6', String(base + 16), '--mca', 'btl_tcp_port_range_v6', '16',
    '--mca', 'oob_tcp_dynamic_ipv4_ports', `${base + 32}-${base + 47}`,
    '--mca', 'oob_tcp_dynamic_ipv6_ports', `${base + 48}-${base + 63}`,
  ];
}

/** Open MPI's scratch files as they are now: shared-memory segments and session directories. */
export function mpiLeftovers(): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/dev/shm')) if (/^vader_segment\./.test(name)) found.push(path.join('/dev/shm', name));
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!/^ompi\./.test(name)) continue;
    const top = path.join(os.tmpdir(), name);
    try {
      for (const job of fs.readdirSync(top)) found.push(path.join(top, job));
    } catch {
      found.push(top);
    }
  }
  return found.sort();
}

/** Every path a live process of this user maps or holds open (its /proc/PID/maps and fd links). */
function pathsInUse(): string[] {
  const used: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
        const at = line.indexOf('/');
        if (at > 0) used.push(line.slice(at).replace(/ \(deleted\)$/, ''));
      }
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) used.push(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return used;
}

/**
 * Open MPI's scratch files that were not there `before` and that no live
 * process uses: what a finished job left behind. Files of jobs that still
 * run (another test suite's on the same machine) are in use, and a job that
 * ends meanwhile removes its own: what is left after a second look is stray.
 */
export async function mpiStrays(before: string[]): Promise<string[]> {
  const look = (): string[] => {
    const used = pathsInUse();
    return mpiLeftovers().filter((f) => !before.includes(f) && !used.some((u) => u === f || u.startsWith(f + '/')));
  };
  const first = look();
  if (first.length === 0) return first;
  await new Promise((r) => setTimeout(r, 2000));
  const second = look();
  return first.filter((f) => second.includes(f));
}

