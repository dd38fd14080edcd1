import { ctlKill } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { note } from '../cliOutput';

/** `ckpt kill`: stops every process of the running computation (no snapshot). */
export async function killCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'kill', valueOptions: ['dir'] }, argv);
  const n = await ctlKill(computationDir(args));
  note(`killed ${n} process${n === 1 ? '' : 'es'}`);
  return 0;
}
