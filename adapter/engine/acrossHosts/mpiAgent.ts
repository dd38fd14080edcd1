/**
 * Open MPI's launcher agent for a program under the engine: `mpirun --host`
 * starts its daemon on another host through `plm_rsh_agent` (ssh by
 * default), whose far side would run without the engine. `ckpt-rsh` takes
 * its place and starts a member coordinator there (native/rsh/ckpt_rsh.c);
 * the agent the user chose (OMPI_MCA_plm_rsh_agent, else ssh) is what it runs,
 * passed on as CKPT_RSH_AGENT. An agent given on mpirun's command line
 * (`--mca plm_rsh_agent`) wins over the environment: the remote processes then
 * run without the engine and a checkpoint says so.
 */
import * as fs from 'node:fs';

export function mpiAgentEnv(baseEnv: NodeJS.ProcessEnv, rsh: string): Record<string, string> {
  if (!fs.existsSync(rsh)) return {};
  const prior = baseEnv.OMPI_MCA_plm_rsh_agent;
  if (prior === rsh) return {}; // already ours (a program started from a computation's process)
  return { OMPI_MCA_plm_rsh_agent: rsh, CKPT_RSH_AGENT: prior && prior.trim() !== '' ? prior : baseEnv.CKPT_RSH_AGENT ?? 'ssh' };
}

const LAUNCHERS = new Set(['mpirun', 'mpiexec', 'orterun', 'orted']);
const REMOTE_SHELLS = new Set(['ssh', 'rsh']);

function comm(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Why a snapshot of these processes would miss another host's, if it would:
 * mpirun (or orted) ran ssh itself, not through ckpt-rsh (an agent given on its
 * command line wins over the environment), so the daemon it started on the
 * other host runs without the engine, and no coordinator there saves it.
 */
export function directRemoteLaunch(processes: { pid: number; ppid: number }[]): string | undefined {
  for (const p of processes) {
    if (!REMOTE_SHELLS.has(comm(p.pid) ?? '')) continue;
    const parent = comm(p.ppid);
    if (parent && LAUNCHERS.has(parent)) {
      return `${parent} (pid ${p.ppid}) started a process on another host with ${comm(p.pid)} (pid ${p.pid}) itself, not through ckpt-rsh: ` +
        'that host\'s processes run without the engine and a snapshot would miss them (give the agent in OMPI_MCA_plm_rsh_agent, not --mca plm_rsh_agent)';
    }
  }
  return undefined;
}
