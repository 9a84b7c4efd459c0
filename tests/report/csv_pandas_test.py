"""The csv report loads with pandas.read_csv and no options, has the
documented columns and one row per trial x split and per statistic, and its
summary rows can be recomputed from its trial rows.

Usage: csv_pandas_test.py HOURGLASS FIXTURE_RESULTS_JSON OUTPUT_DIR
Needs Debian's python3-pandas (./scripts/setup.sh --tests)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_checks import fail, hourglass, need, report_json  # noqa: E402

pd = need("pandas", "python3-pandas")
np = need("numpy", "python3-numpy")

COLUMNS = ["section", "task", "agent", "other_agent", "budget", "split", "seed_index", "status",
           "statistic", "value", "bound", "ci_low", "ci_high", "n", "raw", "threshold"]


def check(condition, message):
    if not condition:
        fail(message)


def main():
    binary, fixture, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "report.csv")
    hourglass(binary, "report", fixture, "--reference", "mlp", "--format", "csv", "-o", path)
    df = pd.read_csv(path)
    doc = report_json(binary, fixture, "--reference", "mlp")
    trials = json.load(open(fixture))["trials"]

    check(list(df.columns) == COLUMNS, f"columns {list(df.columns)} != {COLUMNS}")
    check(df["value"].dtype == np.float64, f"value is {df['value'].dtype}, not float64")
    sections = set(df["section"])
    expected = {"trial", "population", "aggregate", "sample_efficiency", "generalization",
                "probability_of_improvement", "accuracy_on_the_line", "scaling"}
    check(sections == expected, f"sections {sections} != {expected}")

    count = lambda section: int((df["section"] == section).sum())  # noqa: E731
    split_rows = sum(len(t["splits"]) for t in trials)
    check(count("trial") == split_rows, f"{count('trial')} trial rows, expected {split_rows}")
    check(count("population") == 3 * len(doc["populations"]), "population rows")
    task_rows = sum(len(a["task_runs"]) for a in doc["aggregates"])
    check(count("aggregate") == 4 * len(doc["aggregates"]) + 2 * task_rows, "aggregate rows")
    flags = df[(df["section"] == "aggregate") & (df["statistic"] == "unequal_runs")]
    check(int(flags["value"].sum()) == sum(len(a["unequal_runs"]) for a in doc["aggregates"]),
          "unequal_runs flags of csv and json")
    multipliers = sum(len(e["practice_multiplier"]) for e in doc["sample_efficiency"])
    check(count("sample_efficiency") == 2 * len(doc["sample_efficiency"]) + multipliers,
          "sample_efficiency rows")
    check(count("probability_of_improvement") == len(doc["probability_of_improvement"]),
          "probability_of_improvement rows")
    check(count("accuracy_on_the_line") == 3 * len(doc["accuracy_on_the_line"]),
          "accuracy_on_the_line rows")
    fits = [s for s in doc["scaling"] if s["ok"]]
    check(count("scaling") == 6 * len(fits), "scaling rows: six statistics per fit")
    alphas = df[(df["section"] == "scaling") & (df["statistic"] == "alpha")]
    for s, row in zip(fits, alphas.itertuples()):
        check((s["task"], s["agent"], s["split"]) == (row.task, row.agent, row.split), "scaling order")
        check(abs(s["alpha"]["value"] - row.value) < 1e-12, f"alpha {s['alpha']['value']} != {row.value}")

    trial_rows = df[df["section"] == "trial"]
    failed = trial_rows[trial_rows["status"] != "ok"]
    check(len(failed) > 0 and set(failed["status"]) == {"failed", "diverged"},
          "the fixture's failed and diverged trials are listed with their status")

    # Population means recomputed from the trial rows of ok trials.
    ok = trial_rows[trial_rows["status"] == "ok"]
    means = ok.groupby(["task", "agent", "budget", "split"])["value"].mean()
    pop = df[(df["section"] == "population") & (df["statistic"] == "mean")]
    for row in pop.itertuples():
        recomputed = means[(row.task, row.agent, row.budget, row.split)]
        check(abs(recomputed - row.value) < 1e-12,
              f"population mean {row.task}/{row.agent}/{row.budget}/{row.split}: "
              f"{row.value} != {recomputed}")

    # Generalization gap recomputed per trial: train - test, then the mean.
    wide = ok.pivot_table(index=["task", "agent", "budget", "seed_index"], columns="split",
                          values="value")
    gap = (wide["train"] - wide["test"]).groupby(["task", "agent", "budget"]).mean()
    rows = df[(df["section"] == "generalization") & (df["statistic"] == "generalization_gap")]
    check(len(rows) == len(gap), "one generalization gap per population")
    for row in rows.itertuples():
        recomputed = gap[(row.task, row.agent, row.budget)]
        check(abs(recomputed - row.value) < 1e-12,
              f"gap {row.task}/{row.agent}/{row.budget}: {row.value} != {recomputed}")

    # The json and the csv hold the same numbers.
    iqm = df[(df["section"] == "aggregate") & (df["statistic"] == "iqm")]
    for a, row in zip(doc["aggregates"], iqm.itertuples()):
        check((a["agent"], a["budget"], a["split"]) == (row.agent, row.budget, row.split),
              "aggregate order")
        # pandas' default float parser may differ from the shortest text by an ulp
        check(abs(a["iqm"]["value"] - row.value) < 1e-12, f"iqm {a['iqm']['value']} != {row.value}")
    bounds = set(df.loc[df["statistic"] == "practice_multiplier", "bound"].dropna())
    check(bounds <= {">", "<="}, f"unexpected bounds {bounds}")

    print(f"csv_pandas_test: {len(df)} rows x {len(df.columns)} columns read by pandas "
          f"{pd.__version__}; all checks passed")


if __name__ == "__main__":
    main()
