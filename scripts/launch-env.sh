# Sourced by scripts/start.sh: the settings a process takes only at its start, LAUNCH_ENV in runtime/launch-env.ts
# (which says what each does; runtime/launch-env.test.ts checks that both agree). A value already set wins.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
case " ${NODE_OPTIONS:-} " in
  *" --max-semi-space-size="* | *" --max_semi_space_size="*) ;;
  *) export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-semi-space-size=4" ;;
esac
