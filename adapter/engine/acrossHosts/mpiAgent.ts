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
