import type { CommandSpec } from './argParser';

/**
 * What each command accepts, in one place: the commands parse with these and
 * `ckpt completion bash` offers them, so the two cannot drift apart.
 */
export const COMMAND_SPECS = {
  launch: { name: 'launch', valueOptions: ['dir', 'interval'], listOptions: ['track'], flagOptions: ['json', 'record'], rest: true },
  checkpoint: { name: 'checkpoint', valueOptions: ['dir', 'label'], flagOptions: ['kill', 'json'] },
  restart: {
    name: 'restart',
    valueOptions: ['dir', 'interval'],
    listOptions: ['path-map', 'env'],
    flagOptions: ['json', 'strict', 'record'],
    positionals: ['SNAPSHOT'],
  },
  restore: { name: 'restore', valueOptions: ['dir'], flagOptions: ['hold', 'json'], positionals: ['SNAPSHOT'] },
  list: { name: 'list', valueOptions: ['dir'], flagOptions: ['json'] },
  inspect: { name: 'inspect', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT'] },
  diff: { name: 'diff', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT_A', 'SNAPSHOT_B'] },
  label: { name: 'label', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT', 'TEXT'] },
  delete: { name: 'delete', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT'] },
  status: { name: 'status', valueOptions: ['dir'], flagOptions: ['json'] },
  kill: { name: 'kill', valueOptions: ['dir'], flagOptions: ['json'] },
  completion: { name: 'completion', positionals: ['SHELL'] },
  'member-exec': { name: 'member-exec', valueOptions: ['dir', 'leader', 'leader-port'], rest: true },
  'member-restore': { name: 'member-restore', valueOptions: ['dir', 'leader', 'leader-port', 'snapshot'] },
  'member-wait': { name: 'member-wait', valueOptions: ['dir'] },
} satisfies Record<string, CommandSpec>;
