import { CkptError } from './ckptError';
import type { ComputationDir } from './computationDir';
import { ctlInfo } from './ctlClient';

/** Why a computation directory cannot be opened: a live coordinator answers there (naming its pids when it says them). */
export async function inUseError(cdir: ComputationDir): Promise<CkptError> {
  let who = '';
  try {
    const info = await ctlInfo(cdir.dir, 5000);
    who = info.programPid ? ` (program pid ${info.programPid}, coordinator pid ${info.coordinatorPid})` : ` (coordinator pid ${info.coordinatorPid})`;
  } catch {
    // the message below is enough without the pids
  }
  return new CkptError(
    `${cdir.dir} is in use: another computation is running there${who}; stop it with \`ckpt kill --dir ${cdir.dir}\` or use another --dir`,
  );
}
