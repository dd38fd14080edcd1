import type { CommandSpec } from './argParser';
import { COMMAND_SPECS } from './commandSpecs';

/** Commands whose first positional is a snapshot. */
const SNAPSHOT_FIRST = Object.values(COMMAND_SPECS as Record<string, CommandSpec>)
  .filter((s) => s.positionals?.[0] === 'SNAPSHOT')
  .map((s) => s.name);

/** Prints the ids of the complete snapshots (those with a manifest) and \`last\`. */
function snapshotIdsFunction(): string {
  return `_ckpt_snapshot_ids() {
  local dir="\${CKPT_DIR:-.ckpt}" i m id
  for ((i = 2; i < \${#words[@]} - 1; i++)); do
    case "\${words[i]}" in
      --dir) dir="\${words[i+1]}" ;;
      --dir=*) dir="\${words[i]#--dir=}" ;;
    esac
  done
  dir="\${dir/#\\~/$HOME}"
  for m in "$dir"/snapshots/[0-9]*/manifest.json; do
    [[ -f "$m" ]] || continue
    id="\${m%/manifest.json}"
    printf '%s\\n' "\${id##*/}"
  done
  printf 'last\\n'
}

`;
}

function optionWords(spec: CommandSpec): string {
  const names = [...(spec.valueOptions ?? []), ...(spec.listOptions ?? []), ...(spec.flagOptions ?? []), 'help'];
  return names.map((n) => `--${n}`).join(' ');
}

/**
 * The bash completion script: commands, each command's options, folders after
 * --dir, snapshot ids read from the computation directory (--dir, $CKPT_DIR or
 * ./.ckpt) without starting node, and programs after `launch`.
 */
export function bashCompletionScript(): string {
  const specs = Object.values(COMMAND_SPECS as Record<string, CommandSpec>);
  const optionCases = specs.map((s) => `    ${s.name}) opts="${optionWords(s)}" ;;`).join('\n');
  const valueOptions = [...new Set(specs.flatMap((s) => [...(s.valueOptions ?? []), ...(s.listOptions ?? [])]))]
    .filter((n) => n !== 'dir')
    .map((n) => `--${n}`)
    .join('|');
  return `# bash completion for ckpt. Load it with:  source <(ckpt completion bash)
${snapshotIdsFunction()}_ckpt() {
  # Words split at blanks only: bash's own words also break at '=', which would
  # make --env NAME=VALUE look like three arguments.
  local line="\${COMP_LINE:0:COMP_POINT}" words
  read -ra words <<< "$line"
  [[ -z "$line" || "$line" == *[[:space:]] ]] && words+=("")
  local n=\${#words[@]}
  local cur="\${words[n-1]}" prev="\${words[n-2]}" cmd="\${words[1]}" opts i positionals=0
  COMPREPLY=()
  if ((n == 2)); then
    COMPREPLY=($(compgen -W "${specs.map((s) => s.name).join(' ')} help" -- "$cur"))
    return
  fi
  case "$cmd" in
${optionCases}
    *) return ;;
  esac
  # Count the positionals before the word being completed (option values are not ones).
  for ((i = 2; i < n - 1; i++)); do
    case "\${words[i]}" in
      --) [[ "$cmd" == launch ]] && { COMPREPLY=($(compgen -c -f -- "$cur")); return; } ;;
      --dir|${valueOptions}) ((i++)) ;;
      -*) ;;
      *) ((positionals++)) ;;
    esac
  done
  case "$prev" in
    --dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${valueOptions}) return ;;
  esac
  case "$cur" in
    --dir=*) COMPREPLY=($(compgen -d -- "\${cur#--dir=}")); return ;;
    --*=*) return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case "$cmd" in
    ${SNAPSHOT_FIRST.join('|')})
      ((positionals == 0)) && COMPREPLY=($(compgen -W "$(_ckpt_snapshot_ids)" -- "$cur")) ;;
    diff) ((positionals < 2)) && COMPREPLY=($(compgen -W "$(_ckpt_snapshot_ids)" -- "$cur")) ;;
    launch) COMPREPLY=($(compgen -c -f -- "$cur")) ;;
    completion) ((positionals == 0)) && COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -o default -F _ckpt ckpt
`;
}
