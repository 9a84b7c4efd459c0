#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine: runs a small suite as a
# job array through `hourglass slurm --submit`, waits for the array and the
# dependent merge job, and checks that the merged results equal an unsharded
# run's. Starts munged (if none answers), slurmctld and slurmd with a private
# configuration, and stops what it started (by process id) when it ends.
#   usage: slurm_test.sh HOURGLASS_BINARY SOURCE_DIR
# Exit 77 (skipped) when not root; fails when Slurm or munge is missing
# (scripts/setup.sh --tests installs them).
set -euo pipefail
hourglass=$1
source_dir=$2
suite="$source_dir/tests/data/suites/slurm-small.yaml"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the Slurm test starts slurmctld, slurmd and munged and needs root" >&2
  exit 77
fi
for tool in munged munge slurmctld slurmd sbatch squeue sinfo python3; do
  command -v "$tool" >/dev/null || {
    echo "FAIL: $tool not found: run scripts/setup.sh --tests (slurm-wlm, munge)" >&2
    exit 1
  }
done

dir=$(mktemp -d /tmp/hourglass-slurm-XXXXXX)
pids=()
cleanup() {
  scancel --quiet --full "--user=$(id -un)" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# munge: reuse a daemon that answers, else start one as the munge user.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged --foreground --force >"$dir/munged.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
fi

host=$(hostname -s)
mkdir -p "$dir/state" "$dir/spool"
cat > "$dir/slurm.conf" <<CONF
ClusterName=hourglass-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=hourglass Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 120); do
  state=$(sinfo -h -o %t 2>/dev/null || true)
  case "$state" in idle*|mix*|alloc*) break ;; esac
  sleep 0.5
done
if [[ "$state" != idle* ]]; then
  echo "FAIL: the Slurm node did not come up (state '$state')" >&2
  tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd.log "$dir"/*.out >&2 || true
  exit 1
fi
echo "slurm: node $host $state" >&2

"$hourglass" slurm "$suite" --shards 3 --cpus 1 --time 00:10:00 --out "$dir/out" --submit
for _ in $(seq 600); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 0.5
done
if [ -n "$(squeue -h)" ]; then
  echo "FAIL: jobs still queued after 300 s:" >&2
  squeue >&2
  exit 1
fi
for log in "$dir"/out/logs/*.log; do echo "== $log" >&2; tail -n 5 "$log" >&2; done
[ -s "$dir/out/results.json" ] || { echo "FAIL: no merged results.json" >&2; exit 1; }

"$hourglass" run "$suite" --quiet --threads 1 --out "$dir/ref" >/dev/null
python3 - "$dir/out/results.json" "$dir/ref/results.json" <<'PY'
import json, sys
merged, ref = (json.load(open(p)) for p in sys.argv[1:3])
def strip(t):
    t = dict(t); t.pop("train_seconds", None); return t
a = [strip(t) for t in merged["trials"]]
b = [strip(t) for t in ref["trials"]]
assert len(a) == len(b) > 0, (len(a), len(b))
assert a == b, "merged trials differ from the unsharded run"
assert len(merged["environment"]["merged_from"]) == 3
print(f"slurm: {len(a)} merged trials equal the unsharded run")
PY
