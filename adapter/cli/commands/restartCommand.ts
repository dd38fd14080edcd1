import { Coordinator } from '../../engine/coordinator';
import { computationDir, parseArgs } from '../argParser';
import { resolveSnapshotId } from '../resolveSnapshot';
import { runInForeground } from './launchCommand';

/** `ckpt restart`: brings a snapshot back in the foreground, as its coordinator (so it can be checkpointed again). */
export async function restartCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'restart', valueOptions: ['dir', 'interval'], positionals: ['SNAPSHOT'] }, argv);
  const coordinator = await Coordinator.open(computationDir(args));
  try {
    const id = resolveSnapshotId(coordinator.store, args.positionals[0]);
    const running = await coordinator.startRestart(id, { stdio: 'inherit' });
    return await runInForeground(coordinator, running.exited);
  } finally {
    await coordinator.close();
  }
}
