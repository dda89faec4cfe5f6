#!/usr/bin/env python3
"""Scores anomaly-detector results with the Numenta Anomaly Benchmark's rules (docs/analytics.md).

Reads a results tree laid out as NAB writes it (RESULTS/<category>/<detector>_<file>.csv with the
columns timestamp,value,anomaly_score), the corpus windows (combined_windows.json) and prints the
normalised score for one threshold shared by the whole corpus (the best one unless --threshold),
with a per-category breakdown. Only the Python standard library is used.

  tools/nab_score.py --windows nab/labels/combined_windows.json --results out/otter [--half even]
  tools/nab_score.py --windows ... --results out/otter --protocol   # halves, per file, noise
  tools/nab_score.py --self-test
"""

import argparse
import csv
import json
import math
import os
import random
import signal
import sys

PROFILES = {
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0},
    "reward_low_FP_rate": {"tp": 1.0, "fp": 0.22, "fn": 1.0},
    "reward_low_FN_rate": {"tp": 1.0, "fp": 0.11, "fn": 2.0},
}


def scaled_sigmoid(x):
    """+1 well before a window's end, 0 at the end, -1 far after it."""
    if x > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_rows(n):
    return min(int(math.floor(0.15 * n)), 750)


def row_weights(timestamps, windows):
    """For every row: (window id or None, unweighted position score, in_probation)."""
    n = len(timestamps)
    index_of = {t: i for i, t in enumerate(timestamps)}
    spans = []  # (first row, last row) of each window, in time order
    for start, end in windows:
        first = next((i for i, t in enumerate(timestamps) if t >= start), n)
        last = index_of.get(end)
        if last is None:
            last = max(i for i, t in enumerate(timestamps) if t <= end)
        spans.append((first, last))
    spans.sort()
    out = []
    prob = probation_rows(n)
    w = 0
    prev = None  # (last row, width) of the window most recently left
    for i in range(n):
        while w < len(spans) and i > spans[w][1]:
            prev = (spans[w][1], spans[w][1] - spans[w][0] + 1)
            w += 1
        if w < len(spans) and spans[w][0] <= i <= spans[w][1]:
            width = spans[w][1] - spans[w][0] + 1
            pos = -(spans[w][1] - i + 1) / float(width)
            out.append((w, scaled_sigmoid(pos), i < prob))
        elif prev is not None:
            past = abs(prev[0] - i) / float(max(prev[1] - 1, 1))
            out.append((None, scaled_sigmoid(past), i < prob))
        else:
            out.append((None, -1.0, i < prob))
    return out, len(spans)


_ROWS_CACHE = {}  # (name, rows) -> row weights: they depend only on timestamps and windows


class FileScore:
    """One file's rows, ready for a threshold sweep."""

    def __init__(self, name, timestamps, scores, windows):
        self.name = name
        self.scores = scores
        key = (name, len(timestamps))
        if key not in _ROWS_CACHE:
            _ROWS_CACHE[key] = row_weights(timestamps, windows)
        self.rows, self.n_windows = _ROWS_CACHE[key]

    def score(self, threshold, profile):
        tp_w, fp_w, fn_w = profile["tp"], profile["fp"], profile["fn"]
        best = {}
        fp_total = 0.0
        tp = fp = 0
        for s, (win, u, in_prob) in zip(self.scores, self.rows):
            if in_prob or s < threshold:
                continue
            if win is None:
                fp += 1
                fp_total += u * fp_w
            elif win not in best or u > best[win]:
                if win not in best:
                    tp += 1
                best[win] = u
        tp_total = sum(u * tp_w for u in best.values())
        fn = self.n_windows - len(best)
        return tp_total + fp_total - fn * fn_w, tp, fp, fn


def sweep(files, profile):
    """Best corpus threshold: every file is scored at the same threshold."""
    events = []  # (score, file index, row index)
    for fi, f in enumerate(files):
        for ri, s in enumerate(f.scores):
            if not f.rows[ri][2]:
                events.append((s, fi, ri))
    events.sort(key=lambda e: -e[0])
    # Incremental: walk thresholds from high to low adding detections.
    total = -sum(f.n_windows for f in files) * profile["fn"]
    best_win = [dict() for _ in files]
    best = (total, 1.1)
    i = 0
    while i < len(events):
        s = events[i][0]
        while i < len(events) and events[i][0] == s:
            _, fi, ri = events[i]
            win, u, _ = files[fi].rows[ri]
            if win is None:
                total += u * profile["fp"]
            else:
                bw = best_win[fi]
                if win not in bw:
                    total += profile["fn"] + u * profile["tp"]
                    bw[win] = u
                elif u > bw[win]:
                    total += (u - bw[win]) * profile["tp"]
                    bw[win] = u
            i += 1
        if total > best[0]:
            best = (total, s)
    return best


def normalise(raw, files, profile):
    n_windows = sum(f.n_windows for f in files)
    null = -n_windows * profile["fn"]
    perfect = n_windows * profile["tp"]
    if perfect == null:
        return 100.0
    return 100.0 * (raw - null) / (perfect - null)


def read_results(path):
    ts, sc = [], []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            ts.append(row["timestamp"])
            sc.append(float(row["anomaly_score"]))
    return ts, sc


def load(results_dir, windows_path, half, only=None):
    with open(windows_path) as fh:
        windows = json.load(fh)
    names = sorted(windows)
    if only:  # a slice: the files present under this data directory
        names = [n for n in names if os.path.exists(os.path.join(only, n))]
    files = []
    for pos, rel in enumerate(names):
        if half == "even" and pos % 2 == 1:
            continue
        if half == "odd" and pos % 2 == 0:
            continue
        category, base = rel.split("/")
        path = None
        for cand in os.listdir(os.path.join(results_dir, category)):
            if cand.endswith("_" + base):
                path = os.path.join(results_dir, category, cand)
        if path is None:
            sys.exit("missing results for %s" % rel)
        ts, sc = read_results(path)
        norm_windows = [(a[:19], b[:19]) for a, b in windows[rel]]
        ts = [t[:19] for t in ts]
        files.append(FileScore(rel, ts, sc, norm_windows))
    return files


def report(files, profile_name, threshold=None, by_category=True):
    profile = PROFILES[profile_name]
    if threshold is None:
        raw, threshold = sweep(files, profile)
    else:
        raw = sum(f.score(threshold, profile)[0] for f in files)
    print("%s: score %.2f (raw %.3f) at threshold %.6f over %d files"
          % (profile_name, normalise(raw, files, profile), raw, threshold, len(files)))
    if by_category:
        cats = {}
        for f in files:
            cats.setdefault(f.name.split("/")[0], []).append(f)
        for cat in sorted(cats):
            fs = cats[cat]
            parts = [f.score(threshold, profile) for f in fs]
            raw_c = sum(p[0] for p in parts)
            print("  %-22s %7.2f  tp %3d fp %4d fn %3d" % (
                cat, normalise(raw_c, fs, profile) if any(f.n_windows for f in fs) else float("nan"),
                sum(p[1] for p in parts), sum(p[2] for p in parts), sum(p[3] for p in parts)))
    return threshold


def per_file(files, threshold, profile_name):
    """One line per file, largest loss first: its half (E: tuning, O: held-out), the raw points it
    loses against a perfect detector, its windows' best detections, misses, false positives, and
    the highest score inside each window after the probation (how far a miss is from the
    threshold)."""
    profile = PROFILES[profile_name]
    lines = []
    for pos, f in enumerate(files):
        best, fp, fp_cost, peak = {}, 0, 0.0, {}
        for s, (win, u, in_prob) in zip(f.scores, f.rows):
            if in_prob:
                continue
            if win is not None:
                peak[win] = max(peak.get(win, 0.0), s)
            if s < threshold:
                continue
            if win is None:
                fp += 1
                fp_cost += u * profile["fp"]
            elif win not in best or u > best[win]:
                best[win] = u
        loss = f.n_windows * profile["tp"] - f.score(threshold, profile)[0]
        lines.append((-loss, f.name, "  %s %5.2f %-56s windows %d  hit %-24s miss %d  fp %3d (%.2f)"
                      "  peak %s" % (
                          "EO"[pos % 2], loss, f.name, f.n_windows,
                          ",".join("%.2f" % best[w] for w in sorted(best)) or "-",
                          f.n_windows - len(best), fp, fp_cost,
                          ",".join("%.2f" % peak[w] for w in sorted(peak)) or "-")))
    for _, _, line in sorted(lines):
        print(line)


def per_category_halves(files, threshold, profile_name):
    """Per category, the tuning (E) and held-out (O) halves side by side at one threshold."""
    profile = PROFILES[profile_name]
    cats = {}
    for pos, f in enumerate(files):
        cats.setdefault(f.name.split("/")[0], ([], []))[pos % 2].append(f)
    for cat in sorted(cats):
        cells = []
        for half, fs in zip("EO", cats[cat]):
            parts = [f.score(threshold, profile) for f in fs]
            score = (normalise(sum(p[0] for p in parts), fs, profile)
                     if any(f.n_windows for f in fs) else float("nan"))
            cells.append("%s %2d files %3d windows %7.2f  tp %3d fp %3d fn %2d" % (
                half, len(fs), sum(f.n_windows for f in fs), score, sum(p[1] for p in parts),
                sum(p[2] for p in parts), sum(p[3] for p in parts)))
        print("  %-22s %s" % (cat, " | ".join(cells)))


def split_noise(files, threshold, profile_name, draws=2000, seed=1):
    """Spread of the score difference between two random halves of these files at one threshold.

    The even/odd split is one draw of this distribution; its difference is "noise" when it is
    inside the spread of random splits."""
    profile = PROFILES[profile_name]
    per = [(f.score(threshold, profile)[0], f.n_windows) for f in files]

    def norm(part):
        raw = sum(p[0] for p in part)
        w = sum(p[1] for p in part)
        return 100.0 * (raw + w * profile["fn"]) / (w * (profile["tp"] + profile["fn"]))

    rng = random.Random(seed)
    diffs = []
    for _ in range(draws):
        idx = list(range(len(per)))
        rng.shuffle(idx)
        half = len(idx) // 2
        diffs.append(norm([per[i] for i in idx[:half]]) - norm([per[i] for i in idx[half:]]))
    mean = sum(diffs) / len(diffs)
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / len(diffs))
    q95 = sorted(abs(d) for d in diffs)[int(0.95 * len(diffs))]
    return sd, q95


def paired_bootstrap(raw_a, raw_b, n_windows, profile_name="standard", draws=2000, seed=1):
    """P(configuration A scores higher than B) over the same files, resampled with replacement.

    raw_a and raw_b are the files' raw scores (each configuration at its own threshold),
    n_windows their window counts. A gain that a few files carry is not confident: resampling
    often leaves those files out."""
    profile = PROFILES[profile_name]

    def norm(raw, w):
        return 100.0 * (raw + w * profile["fn"]) / (w * (profile["tp"] + profile["fn"]))

    rng = random.Random(seed)
    n = len(raw_a)
    wins = 0.0
    for _ in range(draws):
        idx = [rng.randrange(n) for _ in range(n)]
        w = sum(n_windows[i] for i in idx)
        if w == 0:
            continue
        a = norm(sum(raw_a[i] for i in idx), w)
        b = norm(sum(raw_b[i] for i in idx), w)
        wins += 1.0 if a > b + 1e-9 else 0.5 if abs(a - b) <= 1e-9 else 0.0
    return wins / draws


def protocol(results, windows, profile_name):
    """The reporting protocol of docs/analytics.md: the threshold is chosen on the tuning (even)
    half; the held-out (odd) half and the whole corpus are scored at it; the whole corpus also at
    its own best threshold (NAB's procedure); per category and per file; the half-split noise."""
    even = load(results, windows, "even")
    print("== tuning half (even files)")
    thr = report(even, profile_name, by_category=False)
    print("== held-out half (odd files), at the tuning threshold")
    report(load(results, windows, "odd"), profile_name, thr, by_category=False)
    every = load(results, windows, "all")
    print("== whole corpus, at the tuning threshold")
    report(every, profile_name, thr)
    print("== whole corpus, at its own best threshold")
    report(every, profile_name, by_category=False)
    sd, q95 = split_noise(every, thr, profile_name)
    prof = PROFILES[profile_name]
    ev = [f for i, f in enumerate(every) if i % 2 == 0]
    od = [f for i, f in enumerate(every) if i % 2 == 1]
    d = (normalise(sum(f.score(thr, prof)[0] for f in ev), ev, prof) -
         normalise(sum(f.score(thr, prof)[0] for f in od), od, prof))
    print("== half-split noise: even - odd = %.2f; random halves differ by sd %.2f "
          "(95%% of |differences| <= %.2f)" % (d, sd, q95))
    print("== per category and half, at the tuning threshold")
    per_category_halves(every, thr, profile_name)
    print("== per file, at the tuning threshold, largest loss first (E tuning, O held-out half)")
    per_file(every, thr, profile_name)


def self_test():
    std = PROFILES["standard"]
    ts = ["t%05d" % i for i in range(1000)]
    win = [("t00500", "t00599")]
    # Probation is 150 rows; a detection inside it is ignored.
    f = FileScore("a/x.csv", ts, [0.0] * 1000, win)
    assert f.score(0.5, std) == (-1.0, 0, 0, 1)
    early = [0.0] * 1000
    early[500] = 1.0
    f = FileScore("a/x.csv", ts, early, win)
    raw = f.score(0.5, std)[0]
    assert abs(raw - (2.0 / (1.0 + math.exp(-5.0)) - 1.0)) < 1e-12, raw  # first row: 0.9866
    late = [0.0] * 1000
    late[599] = 1.0
    f = FileScore("a/x.csv", ts, late, win)
    assert abs(f.score(0.5, std)[0] - scaled_sigmoid(-0.01)) < 1e-12
    # Two detections in one window count once, the earlier one.
    both = [0.0] * 1000
    both[500] = both[550] = 1.0
    f = FileScore("a/x.csv", ts, both, win)
    assert abs(f.score(0.5, std)[0] - scaled_sigmoid(-1.0)) < 1e-12
    # A false positive before any window costs the full FP weight; one just after a window less.
    fp = [0.0] * 1000
    fp[300] = 1.0
    f = FileScore("a/x.csv", ts, fp, win)
    assert abs(f.score(0.5, std)[0] - (-1.0 - 0.11)) < 1e-12
    after = [0.0] * 1000
    after[620] = 1.0
    f = FileScore("a/x.csv", ts, after, win)
    expect = -1.0 + 0.11 * scaled_sigmoid(21 / 99.0)
    assert abs(f.score(0.5, std)[0] - expect) < 1e-12
    # The sweep finds the threshold that keeps the TP and drops the FP; normalisation maps the
    # null detector to 0 and a detector that fires on the first row of every window to ~98.7.
    mix = [0.0] * 1000
    mix[500] = 0.9
    mix[300] = 0.5
    f = FileScore("a/x.csv", ts, mix, win)
    raw, thr = sweep([f], std)
    assert thr == 0.9 and abs(raw - scaled_sigmoid(-1.0)) < 1e-12
    assert abs(normalise(raw, [f], std) - 100 * (1 + scaled_sigmoid(-1.0)) / 2) < 1e-9
    assert normalise(-1.0, [f], std) == 0.0
    # Paired bootstrap: a gain every file shares is certain, one file's gain is not, a tie is 0.5.
    assert paired_bootstrap([1.0] * 10, [0.5] * 10, [1] * 10) == 1.0
    p = paired_bootstrap([1.0] + [0.0] * 9, [-1.0] + [0.0] * 9, [1] * 10)
    # The file is in 1 - 0.9^10 = 65% of resamples (a win), the others are ties: ~0.83.
    assert 0.80 < p < 0.85, p
    assert paired_bootstrap([0.3] * 4, [0.3] * 4, [1] * 4) == 0.5
    print("nab_score self-test: ok")


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` is fine
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", help="RESULTS/<detector> directory")
    ap.add_argument("--windows", help="combined_windows.json")
    ap.add_argument("--half", choices=["all", "even", "odd"], default="all")
    ap.add_argument("--profile", default="standard", choices=sorted(PROFILES))
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--only", help="score only the files present under this data directory")
    ap.add_argument("--protocol", action="store_true",
                    help="tuning-half threshold, both halves, whole corpus, per file, noise")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        self_test()
        return
    if not args.results or not args.windows:
        ap.error("--results and --windows are required")
    if args.protocol:
        protocol(args.results, args.windows, args.profile)
        return
    files = load(args.results, args.windows, args.half, args.only)
    report(files, args.profile, args.threshold)


if __name__ == "__main__":
    main()
