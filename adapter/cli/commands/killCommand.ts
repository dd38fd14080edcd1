import { ctlKill } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, outJson } from '../cliOutput';

/** `ckpt kill`: stops every process of the running computation (no snapshot). `--json`: `{ killed: n }`. */
export async function killCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.kill, argv);
  const n = await ctlKill(computationDir(args));
  note(`killed ${n} process${n === 1 ? '' : 'es'}`);
  if (args.flags.has('json')) outJson({ killed: n });
  return 0;
}
