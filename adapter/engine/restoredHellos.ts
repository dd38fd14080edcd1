import type { EventEmitter } from 'node:events';
import { CkptError } from './ckptError';
import type { EngineHello } from './engineConnection';
import type { ExitStatus } from './exitStatus';

/** How long the processes of a restored snapshot may take to connect. */
export const RESTORED_HELLO_TIMEOUT_MS = 60000;

/**
 * Collects the hellos of restored processes from `coordinator` ('hello'
 * events) until `expected` of them have come. `wait` resolves with their pids,
 * the root (`rootPid`, the restorer started) first, the others by virtual pid;
 * it rejects when the restored program ends first or they do not all come in
 * time. Listening starts at once, so that no hello is missed while the
 * restorer starts.
 */
export function collectRestoredHellos(coordinator: EventEmitter, id: string, expected: number): {
  wait(rootPid: number, exited: Promise<ExitStatus>, timeoutMs?: number): Promise<number[]>;
  stop(): void;
} {
  const hellos: EngineHello[] = [];
  let allHere!: () => void;
  const here = new Promise<void>((resolve) => { allHere = resolve; });
  const onHello = (h: EngineHello) => {
    if (!h.restored) return;
    hellos.push(h);
    if (hellos.length === expected) allHere();
  };
  coordinator.on('hello', onHello);
  const stop = () => { coordinator.off('hello', onHello); };
  return {
    stop,
    async wait(rootPid, exited, timeoutMs = RESTORED_HELLO_TIMEOUT_MS) {
      const failed = exited.then((status) => {
        throw new CkptError(`the restored program of snapshot ${id} ended before all its processes came back (status ${status.status})`);
      });
      failed.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CkptError(`snapshot ${id}: only ${hellos.length} of ${expected} processes came back within ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([here, failed, late]);
      } finally {
        clearTimeout(timer);
        stop();
      }
      const root = hellos.find((h) => h.pid === rootPid);
      return [...(root ? [root] : []), ...hellos.filter((h) => h !== root).sort((a, b) => a.vpid - b.vpid)].map((h) => h.pid);
    },
  };
}
