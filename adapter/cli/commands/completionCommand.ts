import { parseArgs } from '../argParser';
import { out } from '../cliOutput';
import { COMMAND_SPECS } from '../commandSpecs';
import { bashCompletionScript } from '../completionScript';
import { UsageError } from '../usageError';

/** `ckpt completion bash`: prints the shell's completion script. */
export async function completionCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.completion, argv);
  const shell = args.positionals[0];
  if (shell !== 'bash') throw new UsageError(`no completion for shell '${shell}' (only bash)`, 'completion');
  out(bashCompletionScript());
  return 0;
}
