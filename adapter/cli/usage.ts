/** The usage text of every subcommand; shown on `--help` and after a usage error. */
export const COMMAND_USAGE: Record<string, string> = {
  launch: 'ckpt launch [--dir D] [--interval SECONDS] [--track DIR]... [--record] [--json] -- PROGRAM [ARGS...]',
  checkpoint: 'ckpt checkpoint [--dir D] [--label TEXT] [--kill] [--json]',
  restart: 'ckpt restart [--dir D] [--interval SECONDS] [--path-map OLD=NEW]... [--env NAME=VALUE]... [--strict] [--record] SNAPSHOT [--json]',
  restore: 'ckpt restore [--dir D] [--hold] SNAPSHOT [--json]',
  list: 'ckpt list [--dir D] [--json]',
  inspect: 'ckpt inspect [--dir D] SNAPSHOT [--json]',
  diff: 'ckpt diff [--dir D] SNAPSHOT_A SNAPSHOT_B [--json]',
  label: 'ckpt label [--dir D] SNAPSHOT TEXT [--json]',
  delete: 'ckpt delete [--dir D] SNAPSHOT [--json]',
  status: 'ckpt status [--dir D] [--json]',
  kill: 'ckpt kill [--dir D] [--json]',
  completion: 'ckpt completion bash',
  'member-exec': 'ckpt member-exec --leader-port PORT [--leader HOST] --dir D -- PROGRAM [ARGS...]',
  'member-restore': 'ckpt member-restore --leader-port PORT [--leader HOST] --dir D --snapshot ID',
  'member-wait': 'ckpt member-wait --dir D',
};

export function usageText(command?: string): string {
  if (command && COMMAND_USAGE[command]) return `usage: ${COMMAND_USAGE[command]}\n`;
  return [
    'usage:',
    ...Object.values(COMMAND_USAGE).map((u) => `  ${u}`),
    '',
    'D is the computation directory: --dir, else $CKPT_DIR, else ./.ckpt.',
    'SNAPSHOT is an id from `ckpt list`, or `last`.',
    'label TEXT: the snapshot\'s new label; an empty TEXT (\'\') clears it.',
    'launch --track: the whole contents of DIR travel with the snapshots (a restart makes it as it was).',
    'launch --record: the program\'s clock and random values (clock_gettime, gettimeofday, time,',
    '        getrandom, getentropy) are recorded in D; restart --record (and restore from a launch or',
    '        restart with --record) gives them back as the original run read them after the snapshot,',
    '        then records again. CKPT_RECORD=1 in the environment is the same as --record.',
    'restart --path-map: files under OLD are reopened under NEW (they moved since the snapshot);',
    '        --env: the program finds NAME=VALUE when it reads its environment again;',
    '        --strict: refuse when a file the program only read changed since the snapshot.',
    'restore: the running `ckpt launch` (or `ckpt restart`) in D replaces its program by SNAPSHOT,',
    '        which keeps that terminal; --hold: the restored processes wait for a debugger.',
    '--json (every command but completion): the result as JSON on stdout; launch and restart write',
    '        their own news as JSON lines on stderr, stdout being the program\'s. A failure is then one',
    '        JSON object { error, command, status, kind } there too (launch, restart: { event: "error", ... }).',
    'completion bash: a completion script; load it with  source <(ckpt completion bash)',
    'member-exec, member-restore, member-wait: run on another host of an MPI job by ckpt-rsh, the launcher agent that',
    '        `ckpt launch` gives mpirun (OMPI_MCA_plm_rsh_agent), not by hand (native/README.md).',
    '',
  ].join('\n');
}
