"""The report's statistics agree with scipy and numpy on the same scores.

1. On the committed fixture: every aggregate's IQM equals
   scipy.stats.trim_mean(scores, 0.25), mean/median/optimality gap equal
   numpy's, every population's mean and std equal numpy's, and every
   interval equals the documented percentile bootstrap (docs/metrics.md)
   recomputed here in Python with the row's bootstrap_seed.
2. On a synthetic results file with 30 seeds per population: the intervals
   agree with independent percentile bootstraps (scipy.stats.bootstrap for a
   population's mean, a numpy stratified bootstrap for the IQM) within
   Monte-Carlo error, and the probability of improvement equals
   scipy.stats.mannwhitneyu's U / (n_x n_y) averaged over tasks, its interval
   a numpy bootstrap of the pair (X and Y resampled independently within
   each task) within Monte-Carlo error.

Usage: scipy_agreement_test.py HOURGLASS FIXTURE_RESULTS_JSON OUTPUT_DIR
Needs Debian's python3-scipy and python3-numpy (./scripts/setup.sh --tests)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_checks import (documented_stratified_bootstrap, fail, need,  # noqa: E402
                           report_json, usable_scores)

np = need("numpy", "python3-numpy")
scipy = need("scipy", "python3-scipy")
from scipy import stats  # noqa: E402

TIGHT = 1e-12


def close(a, b, what, tol=TIGHT):
    if not abs(a - b) <= tol * max(1.0, abs(b)):
        fail(f"{what}: hourglass {a!r} != reference {b!r}")


def runs_by_task(report, scores, agent, budget, split):
    out = []
    for task in report["tasks"]:
        runs = scores.get((task["name"], agent, budget, split))
        if runs:
            out.append(runs)
    return out


def check_fixture(binary, fixture):
    report = report_json(binary, fixture)
    reps = report["options"]["bootstrap_reps"]
    scores = usable_scores(json.load(open(fixture))["trials"])
    iqm = lambda x: stats.trim_mean(x, 0.25)  # noqa: E731
    checked = 0
    for a in report["aggregates"]:
        runs = runs_by_task(report, scores, a["agent"], a["budget"], a["split"])
        flat = np.concatenate([np.array(r) for r in runs])
        where = f"aggregate {a['agent']}/{a['budget']}/{a['split']}"
        close(a["iqm"]["value"], iqm(flat), where + " IQM vs scipy.stats.trim_mean")
        # rliable.metrics.aggregate_mean / aggregate_median: of the per-task means
        task_means = [np.mean(r) for r in runs]
        close(a["mean"]["value"], np.mean(task_means), where + " mean of per-task means")
        close(a["median"]["value"], np.median(task_means), where + " median of per-task means")
        close(a["optimality_gap"]["value"], 1 - np.mean(np.minimum(flat, 1.0)),
              where + " optimality gap")
        lo, hi = documented_stratified_bootstrap(np, runs, iqm, a["bootstrap_seed"], reps)
        close(a["iqm"]["ci_low"], lo, where + " IQM interval low")
        close(a["iqm"]["ci_high"], hi, where + " IQM interval high")
        checked += 1
    for p in report["populations"]:
        runs = scores.get((p["task"], p["agent"], p["budget"], p["split"]))
        where = f"population {p['task']}/{p['agent']}/{p['budget']}/{p['split']}"
        if not runs:
            if p["mean"] is not None:
                fail(where + ": a mean without ok trials")
            continue
        close(p["mean"], np.mean(runs), where + " mean")
        close(p["std"], np.std(runs, ddof=1) if len(runs) > 1 else 0.0, where + " std")
        lo, hi = documented_stratified_bootstrap(np, [runs], np.mean, p["bootstrap_seed"], reps)
        close(p["ci_low"], lo, where + " interval low")
        close(p["ci_high"], hi, where + " interval high")
        checked += 1
    return checked


def synthetic_results(path):
    """2 tasks x 2 agents x 1 budget x 30 seeds of normal scores."""
    rng = np.random.default_rng(20240501)
    trials = []
    for task, shift in (("t1", 0.0), ("t2", 0.3)):
        for agent, centre in (("a", 0.6), ("b", 0.45)):
            for i in range(30):
                test = float(rng.normal(centre + shift, 0.15))
                trials.append({
                    "task": task, "agent": agent, "budget": 100, "seed_index": i, "seed": i,
                    "status": "ok", "samples_used": 100, "updates": 1, "train_seconds": 0.0,
                    "splits": {"train": {"raw": test, "normalized": test + 0.05},
                               "test": {"raw": test, "normalized": test}}})
    doc = {"schema": "hourglass.results/1", "suite": {"name": "synthetic", "sha256": "0"},
           "environment": {}, "trials": trials}
    with open(path, "w") as f:
        json.dump(doc, f)
    return trials


def check_independent(binary, out_dir):
    path = os.path.join(out_dir, "synthetic-results.json")
    trials = synthetic_results(path)
    report = report_json(binary, path, "--reps", "4000")
    scores = usable_scores(trials)
    rng = np.random.default_rng(7)
    for p in report["populations"]:
        x = np.array(scores[(p["task"], p["agent"], p["budget"], p["split"])])
        ref = stats.bootstrap((x,), np.mean, method="percentile", n_resamples=20000,
                              confidence_level=0.95, random_state=rng).confidence_interval
        width = ref.high - ref.low
        where = f"population {p['task']}/{p['agent']}/{p['split']}"
        close(p["ci_low"], ref.low, where + " vs scipy.stats.bootstrap low", 0.1 * width)
        close(p["ci_high"], ref.high, where + " vs scipy.stats.bootstrap high", 0.1 * width)
    for a in report["aggregates"]:
        runs = [np.array(r) for r in runs_by_task(report, scores, a["agent"], 100, a["split"])]
        replicates = [stats.trim_mean(np.concatenate([rng.choice(r, len(r)) for r in runs]), 0.25)
                      for _ in range(20000)]
        lo, hi = np.percentile(replicates, [2.5, 97.5])
        where = f"aggregate {a['agent']}/{a['split']} IQM vs numpy stratified bootstrap"
        close(a["iqm"]["ci_low"], lo, where + " low", 0.1 * (hi - lo))
        close(a["iqm"]["ci_high"], hi, where + " high", 0.1 * (hi - lo))
    for c in report["probability_of_improvement"]:
        fractions = []
        for task in ("t1", "t2"):
            x = scores[(task, c["x"], 100, c["split"])]
            y = scores[(task, c["y"], 100, c["split"])]
            u = stats.mannwhitneyu(x, y, alternative="two-sided").statistic
            fractions.append(u / (len(x) * len(y)))
        close(c["value"], float(np.mean(fractions)),
              f"P({c['x']} > {c['y']}) on {c['split']} vs scipy.stats.mannwhitneyu")
        # Its interval against a numpy stratified bootstrap of the pair alone:
        # X's and Y's runs resampled independently within each task.
        replicates = np.zeros(20000)
        for task in ("t1", "t2"):
            x = np.array(scores[(task, c["x"], 100, c["split"])])
            y = np.array(scores[(task, c["y"], 100, c["split"])])
            rx = x[rng.integers(0, len(x), (20000, len(x)))]
            ry = y[rng.integers(0, len(y), (20000, len(y)))]
            wins = (rx[:, :, None] > ry[:, None, :]).sum(axis=(1, 2))
            ties = (rx[:, :, None] == ry[:, None, :]).sum(axis=(1, 2))
            replicates += (wins + 0.5 * ties) / (len(x) * len(y)) / 2
        lo, hi = np.percentile(replicates, [2.5, 97.5])
        where = f"P({c['x']} > {c['y']}) on {c['split']} interval vs numpy stratified bootstrap"
        close(c["ci_low"], lo, where + " low", 0.1 * (hi - lo))
        close(c["ci_high"], hi, where + " high", 0.1 * (hi - lo))
    return (len(report["populations"]) + len(report["aggregates"])
            + len(report["probability_of_improvement"]))


def main():
    binary, fixture, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    exact = check_fixture(binary, fixture)
    independent = check_independent(binary, out_dir)
    print(f"scipy_agreement_test: {exact} statistics match scipy/numpy and the documented "
          f"bootstrap exactly; {independent} intervals match independent bootstraps "
          f"(scipy {scipy.__version__})")


if __name__ == "__main__":
    main()
