"""Make the data set of assignment A2 ("Choose the rank"): nmfteach/data/assignments/choose_the_rank.csv.gz.

The matrix is simulated with the course's own generator, but the rank K and the seed are given
on the command line and kept by the instructors, not stored in the repository: students load the
shipped file (``nt.load_assignment_data("choose_the_rank")``) and cannot read K from any code.
Only the instructor version of A2 knows K (in a hidden test).

The recipe, chosen so that the criteria of lesson 07 disagree and have to be weighed:

- K metagenes from ``nmfteach.simulate_expression`` with sparse programs (each uses about half of
  the genes, ``program_density=0.5``) and soft memberships (every sample mixes the programs with
  Dirichlet(0.4) proportions, so clusters overlap);
- the last program weaker than the others (its metagene scaled by 0.6);
- Gaussian noise N(0, 0.3²) added, negative values set to 0, values rounded to 3 decimals.

Usage::

    python tools/make_assignment_data.py --rank K --seed SEED [--out PATH]

Use a large seed (e.g. ``python -c "import secrets; print(secrets.randbits(62))"``): with a small
one a student could rebuild the file for every K and seed and find the pair that matches.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import nmfteach as nt  # noqa: E402

OUT = ROOT / "nmfteach" / "data" / "assignments" / "choose_the_rank.csv.gz"
N_GENES, N_SAMPLES = 300, 48
CONCENTRATION, PROGRAM_DENSITY, WEAK_PROGRAM, NOISE_SD = 0.4, 0.5, 0.6, 0.3


def simulate(rank: int, seed: int) -> pd.DataFrame:
    """The A2 matrix for a given K and seed: genes x samples, non-negative, 3 decimals."""
    sim = nt.simulate_expression(
        n_genes=N_GENES,
        n_samples=N_SAMPLES,
        rank=rank,
        noise_sd=0.0,
        membership="soft",
        concentration=CONCENTRATION,
        program_density=PROGRAM_DENSITY,
        seed=seed,
    )
    W = sim.W.to_numpy() * np.r_[np.ones(rank - 1), WEAK_PROGRAM]
    noise = np.random.default_rng(np.random.SeedSequence([seed, 1])).normal(0.0, NOISE_SD, (N_GENES, N_SAMPLES))
    X = np.round(np.maximum(W @ sim.H.to_numpy() + noise, 0.0), 3)
    frame = pd.DataFrame(X, index=sim.X.index, columns=sim.X.columns)
    frame.index.name, frame.columns.name = "gene", "sample"
    return frame


def write(frame: pd.DataFrame, path: Path) -> None:
    """Write the matrix as a gzipped CSV that is byte-for-byte the same on every run (no time stamp)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(float_format="%.3f", lineterminator="\n")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped:
        zipped.write(text.encode("utf-8"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rank", type=int, required=True, help="K, the number of metagenes (kept secret)")
    parser.add_argument("--seed", type=int, required=True, help="a large whole number (kept secret)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default: {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    frame = simulate(args.rank, args.seed)
    write(frame, args.out)
    print(f"wrote {args.out}: {frame.shape[0]} genes x {frame.shape[1]} samples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
