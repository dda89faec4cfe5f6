#!/usr/bin/env python3
"""Chooses the detector configuration for NAB by coordinate descent on the tuning half.

The tuning half is the files at even positions of the sorted corpus list. Starting from the
detector's defaults, each pass tries every listed value of every parameter (one at a time, the
others held) and keeps a change only if it raises the tuning-half standard score by at least
--min-gain points and lowers neither quarter of the tuning half (its files at positions 0, 4, 8,
... and 2, 6, 10, ..., each scored at the half's threshold): a change that one quarter pays for is
fitting single files, not the corpus. With --guard-mode streaming a change must also not lower the
tuning half's score in streaming mode (one configuration serves both modes). With --confidence P
a change must also win a paired bootstrap over the tuning half's files (resampled with
replacement, each configuration at its own threshold) in at least a fraction P of the draws: a gain
that two or three files carry is the winner's curse of trying ~200 values, not a better detector.
Passes repeat until one changes nothing (or --passes). The held-out half is never scored here.

--audit k=v,k=v;k=v ... runs the backward check instead: for each alternative (a key set back to
the value it had before it was tuned, or a check switched off) it prints the tuning-half scores
and the bootstrap probability that the current configuration is better.

  tools/nab_tune.py --otter build/otter --data ../shared/nab/data --windows ../shared/nab/labels/combined_windows.json --mode parity \
      --guard-mode streaming
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nab_score  # noqa: E402

GRID = {
    "levels": [6, 8, 10, 12, 16, 20, 24, 32],
    "context": [2, 3, 4, 5, 6, 8],
    "dedup": [0, 1],
    "smooth": [1, 2, 3, 5, 8],
    "baseline_horizon": [16, 32, 64, 128, 256],
    "stats_horizon": [200, 400, 800, 1600, 3200],
    "short_window": [1, 2, 4, 8, 16],
    "suppress": [10, 20, 40, 50, 100, 200, 300, 450, 600],
    # Parity mode only (the harness's probation period is the learning hint).
    "suppress_learn": [0, 0.1, 0.15, 0.2, 0.25, 0.3],
    "alarm_level": [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
    "suppress_factor": [0, 0.1, 0.25, 0.5],
    "override_margin": [0.05, 0.1, 0.2, 0.3, 2],
    "tail_floor": [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3],
    "cusum_k": [0.5, 1, 2],
    "cusum_h": [6, 12, 24, 48],
    "w_range": [0, 0.5, 0.75, 1, 1.25, 1.5, 2],
    "w_novelty": [0, 0.5, 0.75, 1, 1.25, 1.5, 2],
    "w_deviation": [0, 0.5, 0.75, 1, 1.25, 1.5],
    "w_shift": [0, 0.5, 0.75, 1, 1.25, 1.5],
    "w_season": [0, 0.5, 0.75, 1, 1.25, 1.5],
    "w_step": [0, 0.5, 0.75, 1, 1.25],
    "step_levels": [1, 2, 3, 5],
    "combine_sum": [0, 0.1, 0.25, 0.5],
    "warmup": [50, 150, 300],
    # Seasonal residual (a day of resid_buckets phases, optionally a week of resid_buckets2).
    "w_resid": [0, 0.75, 1, 1.25, 1.5, 2],
    "resid_gamma": [0.05, 0.1, 0.2, 0.3, 0.5],
    "resid_buckets": [24, 48, 96, 288],
    "resid_buckets2": [0, 84, 168, 336],
    "resid_gate": [0, 0.25, 0.5, 1],
    "resid_level": [0.25, 1, 4],
    "resid_clip": [2, 3, 5],
    "resid_scale_clip": [1, 2, 4],
    "resid_scale_horizon": [64, 128, 512, 2048],
    # Young statistics scaled up until this many samples (acts only after a short warmup).
    "young_stats": [0, 150, 300, 450, 600],
    # Act only without a range hint: chosen in streaming mode
    # (--mode streaming --keys range_room,w_range_learned).
    "range_room": [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01],
    "w_range_learned": [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3],
}


def run_detector(args, cfg, half, mode=None):
    out = tempfile.mkdtemp(prefix="nabtune")
    cmd = [args.otter] + args.prefix + [args.data, out, "--mode", mode or args.mode, "--half", half]
    for k, v in sorted(cfg.items()):
        cmd += ["--set", "%s=%s" % (k, v)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def score_dir(args, out, half):
    """(half score, (quarter A, quarter B), (per-file raw scores, per-file windows)) at the half's
    best threshold."""
    try:
        files = nab_score.load(os.path.join(out, "otter"), args.windows, half)
        prof = nab_score.PROFILES["standard"]
        raw, thr = nab_score.sweep(files, prof)
        quarters = []
        for q in (files[0::2], files[1::2]):
            raw_q = sum(f.score(thr, prof)[0] for f in q)
            quarters.append(nab_score.normalise(raw_q, q, prof))
        per_file = ([f.score(thr, prof)[0] for f in files], [f.n_windows for f in files])
        return nab_score.normalise(raw, files, prof), tuple(quarters), per_file
    finally:
        shutil.rmtree(out, ignore_errors=True)


def evaluate(args, cfg, half):
    return score_dir(args, run_detector(args, cfg, half), half)


def confidence(new, old):
    """Bootstrap probability that `new` scores higher than `old` on the same files."""
    return nab_score.paired_bootstrap(new[2][0], old[2][0], new[2][1])


def better(args, new, old):
    return (new[0] >= old[0] + args.min_gain and new[1][0] >= old[1][0] - 1e-9
            and new[1][1] >= old[1][1] - 1e-9
            and (args.confidence <= 0 or confidence(new, old) >= args.confidence))


def audit(args, cfg, base):
    """The backward check: is each listed alternative really worse than the configuration?"""
    print("configuration %.2f (quarters %.2f / %.2f) %s" % (base[0], base[1][0], base[1][1], cfg))
    for alt in args.audit.split(";"):
        trial = dict(cfg)
        trial.update(kv.split("=") for kv in alt.split(",") if kv)
        sc = evaluate(args, trial, "even")
        print("  %-40s %.2f (quarters %.2f / %.2f); P(configuration better) %.2f"
              % (alt, sc[0], sc[1][0], sc[1][1], confidence(base, sc)), flush=True)


def guard_ok(args, cfg, guard_best):
    """With --guard-mode: the change must not lower the tuning half's score in that mode either."""
    if not args.guard_mode:
        return True, guard_best
    sc = score_dir(args, run_detector(args, cfg, "even", args.guard_mode), "even")
    return sc[0] >= guard_best - 1e-9, sc[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--otter", required=True)
    ap.add_argument("--prefix", default="analyze nab", help="subcommand words before DATA OUT")
    ap.add_argument("--data", required=True)
    ap.add_argument("--windows", required=True)
    ap.add_argument("--mode", default="parity")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--start", default="", help="key=value,... to start from")
    ap.add_argument("--keys", default="", help="tune only these parameters (comma-separated)")
    ap.add_argument("--guard-mode", default="",
                    help="also score every accepted candidate in this mode; reject it if it loses")
    ap.add_argument("--jobs", type=int, default=2, help="detector runs at a time")
    ap.add_argument("--min-gain", type=float, default=0.3,
                    help="smallest tuning-half gain (points) that changes a parameter")
    ap.add_argument("--confidence", type=float, default=0.9,
                    help="smallest paired-bootstrap probability of a gain that changes a "
                    "parameter (0: off)")
    ap.add_argument("--audit", default="",
                    help="alternatives k=v,...;k=v,... to check the configuration against")
    args = ap.parse_args()
    args.prefix = args.prefix.split()
    cfg = dict(kv.split("=") for kv in args.start.split(",") if kv)
    best = evaluate(args, cfg, "even")
    if args.audit:
        audit(args, cfg, best)
        return
    guard = (score_dir(args, run_detector(args, cfg, "even", args.guard_mode), "even")[0]
             if args.guard_mode else 0.0)
    print("start %.2f (quarters %.2f / %.2f; guard %.2f) %s"
          % (best[0], best[1][0], best[1][1], guard, cfg), flush=True)
    for p in range(args.passes):
        changed = False
        for key, values in GRID.items():
            if args.keys and key not in args.keys.split(","):
                continue
            trials = []
            for v in values:
                trial = dict(cfg)
                trial[key] = str(v)
                if trial != cfg:
                    trials.append(trial)
            # --jobs candidates at a time (the machine is shared); the scoring itself is serial.
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                scores = list(pool.map(lambda t: run_detector(args, t, "even"), trials))
            for trial, out in zip(trials, scores):
                sc = score_dir(args, out, "even")
                if not better(args, sc, best):
                    continue
                ok, g = guard_ok(args, trial, guard)
                if not ok:
                    print("pass %d %s=%s -> %.2f rejected: %s mode %.2f < %.2f"
                          % (p, key, trial[key], sc[0], args.guard_mode, g, guard), flush=True)
                    continue
                conf = confidence(sc, best)
                best, cfg, changed, guard = sc, trial, True, g
                print("pass %d %s=%s -> %.2f (quarters %.2f / %.2f; P %.2f; guard %.2f)"
                      % (p, key, trial[key], sc[0], sc[1][0], sc[1][1], conf, g),
                      flush=True)
        if not changed:
            break
    print("final %.2f %s" % (best[0], ",".join("%s=%s" % kv for kv in sorted(cfg.items()))))


if __name__ == "__main__":
    main()
