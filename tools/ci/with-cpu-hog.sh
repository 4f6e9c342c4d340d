#!/usr/bin/env bash
# Runs timing-sensitive suites while every core is kept busy, the way a shared CI machine is:
# the suites must wait for conditions (a message, a port, a counter), never for guessed times,
# and this is where a guessed time shows. Exits with the suites' status.
#
#   tools/ci/with-cpu-hog.sh build/test/node/crash-loop.test.js build/test/node/airlock-run.test.js
#   tools/ci/with-cpu-hog.sh -- node build/hosts/xs/run-suites.js flash   # any command
#
# Suites are compiled test files for ava (run `npm run -s build` first). The hog is one busy
# process per core (`nproc`), or AIRLOCK_HOG_PROCS of them; each is killed by its own pid at the end,
# also when the suites fail or the script is interrupted.
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ $# -eq 0 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

procs="${AIRLOCK_HOG_PROCS:-$(nproc 2>/dev/null || echo 2)}"
case "$procs" in
  ''|*[!0-9]*) echo "with-cpu-hog: AIRLOCK_HOG_PROCS must be a whole number, got '$procs'" >&2; exit 2 ;;
esac

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
  hogs=()
}
trap stop_hogs EXIT
trap 'stop_hogs; exit 130' INT TERM

for _ in $(seq 1 "$procs"); do
  yes > /dev/null &
  hogs+=("$!")
done
echo "with-cpu-hog: $procs busy process(es) (pids ${hogs[*]}) beside the suites" >&2

if [ "$1" = "--" ]; then
  shift
  "$@"
else
  npx ava "$@"
fi
status=$?
stop_hogs
echo "with-cpu-hog: suites exited with $status" >&2
exit "$status"
