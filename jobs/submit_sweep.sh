#!/bin/sh
# Submit a parameter sweep: count its points, create the output and log directories, submit the
# points that are not complete yet as a job array (throttled), and a summary job after it.
#   jobs/submit_sweep.sh CONFIG.ini [extra sbatch options for the array ...]
# Run it again after a failure or a time-out: only the points not complete are submitted, and
# each resumes from its checkpoint.
#   THROTTLE   at most this many points at once (default 4)
#   CSV        the summary file (default: STEM_summary.csv next to CONFIG's name, in .)
#   RWPO, SETS, LAUNCHER   passed to the jobs (see jobs/sweep.sbatch)
set -eu
CONFIG=${1:?usage: jobs/submit_sweep.sh CONFIG.ini [sbatch options]}
shift
THROTTLE=${THROTTLE:-4}
RWPO=${RWPO:-$(command -v rwpo || echo build/src/rwpo)}
SETS=${SETS:-}
JOBS=${JOBS:-$(dirname "$0")}
CSV=${CSV:-$(basename "$CONFIG" .ini)_summary.csv}
export RWPO SETS CONFIG CSV

n=$("$RWPO" sweep "$CONFIG" $SETS --count)            # validates every point
"$RWPO" sweep "$CONFIG" $SETS --list | awk 'NR > 1 { print $NF }' | while read -r out; do
    mkdir -p "$(dirname "$out")"
done
mkdir -p logs
todo=$("$RWPO" summarize --missing "$CONFIG" $SETS 2>/dev/null)
if [ -z "$todo" ]; then
    echo "submit_sweep: all $n points of $CONFIG are complete"
    exit 0
fi
[ "$(echo "$todo" | tr ',' '\n' | wc -l)" -eq "$n" ] && todo="0-$((n - 1))"
array=$(sbatch --parsable --array="$todo%$THROTTLE" "$@" "$JOBS/sweep.sbatch")
summary=$(sbatch --parsable --dependency=afterany:"$array" --kill-on-invalid-dep=yes \
    "$JOBS/summary.sbatch")
echo "submit_sweep: $n points, submitted $todo as array job $array (at most $THROTTLE at once);" \
     "summary job $summary -> $CSV"
