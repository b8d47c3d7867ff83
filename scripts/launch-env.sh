# Sourced by scripts/start.sh: the settings a process takes only at its start, LAUNCH_ENV in runtime/launch-env.ts
# (which says what each does; runtime/launch-env.test.ts checks that both agree). A value already set wins; an empty
# one counts as unset. Node reads `_` in a flag's name as `-`.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
node_options="${NODE_OPTIONS:-}"
case " ${node_options//_/-} " in
  *" --max-semi-space-size"*) ;;
  *) export NODE_OPTIONS="${node_options:+$node_options }--max-semi-space-size=4" ;;
esac
unset node_options
