"""Shared helpers of the Python report checks (csv_pandas_test.py,
scipy_agreement_test.py): run the hourglass binary, read the fixture's
trials, and reproduce the report's seeded bootstrap exactly as
docs/metrics.md documents it (xoshiro256** seeded through SplitMix64,
rejection then modulo for indices, numpy's linear percentile)."""

import json
import math
import subprocess
import sys

MASK = (1 << 64) - 1


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def need(module, package):
    """Imports a module or fails naming the Debian package."""
    try:
        return __import__(module)
    except ImportError:
        fail(f"python module '{module}' missing: install Debian's {package} "
             f"(./scripts/setup.sh --tests); this is {sys.executable}")


def hourglass(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"hourglass {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def report_json(binary, *args):
    return json.loads(hourglass(binary, "report", *args, "--format", "json"))


def usable_scores(trials):
    """{(task, agent, budget, split): [normalized, ...]} of ok trials with a
    finite score, worst-ood (the minimum over ood/* per trial) included, in
    the report's trial order (by seed index within a population)."""
    scores = {}
    for t in sorted(trials, key=lambda t: t["seed_index"]):
        if t["status"] != "ok":
            continue
        splits = t["splits"]
        ood = []
        for name, s in splits.items():
            ok = s["normalized"] is not None and s["raw"] is not None and \
                math.isfinite(s["normalized"]) and math.isfinite(s["raw"])
            if name.startswith("ood/"):
                ood.append(s["normalized"] if ok else None)
            if ok:
                scores.setdefault((t["task"], t["agent"], t["budget"], name), []).append(
                    s["normalized"])
        if ood and all(v is not None for v in ood):
            scores.setdefault((t["task"], t["agent"], t["budget"], "worst-ood"), []).append(min(ood))
    return scores


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed):
        state = seed & MASK
        self.s = []
        for _ in range(4):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        result = (_rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def index(self, n):
        floor = ((1 << 64) - n) % n
        r = self.next()
        while r < floor:
            r = self.next()
        return r % n


def documented_stratified_bootstrap(np, runs_by_task, statistic, seed, reps):
    """The report's interval: resample within each task, in task order."""
    if all(len(runs) == 1 for runs in runs_by_task):
        value = statistic(np.array([r[0] for r in runs_by_task]))
        return value, value
    rng = Xoshiro256StarStar(seed)
    replicates = []
    for _ in range(reps):
        sample = []
        for runs in runs_by_task:
            sample.extend(runs[rng.index(len(runs))] for _ in range(len(runs)))
        replicates.append(statistic(np.array(sample)))
    lo, hi = np.percentile(replicates, [2.5, 97.5])
    return lo, hi
