#!/usr/bin/env bash
# Runs a command while N CPU-bound busy loops (default 2, or $BUSY_CORES) run
# beside it, then kills them; exits with the command's status.
# The suite must pass like this: timing-dependent tests measure CPU, or keep
# margins that hold on a loaded machine.
#   bash scripts/with-busy-cores.sh npx vitest run
#   BUSY_CORES=4 bash scripts/with-busy-cores.sh npx vitest run packages/host
set -u
if [ "$#" -eq 0 ]; then
  echo "usage: [BUSY_CORES=n] $0 command [args...]" >&2
  exit 64
fi
n="${BUSY_CORES:-2}"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait "${pids[@]}" 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 "$n"); do
  ( while :; do :; done ) &
  pids+=("$!")
done
echo "with-busy-cores: $n busy loop(s) running beside: $*" >&2
"$@"
