import { Coordinator } from '../../engine/coordinator';
import { computationDir, intervalMs, pairList, parseArgs } from '../argParser';
import { resolveSnapshotId } from '../resolveSnapshot';
import { runInForeground } from './launchCommand';

/** `ckpt restart`: brings a snapshot back in the foreground, as its coordinator (so it can be checkpointed again). */
export async function restartCommand(argv: string[]): Promise<number> {
  const args = parseArgs(
    { name: 'restart', valueOptions: ['dir', 'interval'], listOptions: ['path-map', 'env'], positionals: ['SNAPSHOT'] },
    argv,
  );
  const every = intervalMs(args, 'restart');
  const pathMap = pairList(args, 'path-map', 'restart');
  const setEnv = pairList(args, 'env', 'restart');
  const coordinator = await Coordinator.open(computationDir(args), { mustExist: true });
  try {
    const id = resolveSnapshotId(coordinator.store, args.positionals[0]);
    const running = await coordinator.startRestart(id, { stdio: 'inherit', pathMap, setEnv });
    return await runInForeground(coordinator, running, every);
  } finally {
    await coordinator.close();
  }
}
