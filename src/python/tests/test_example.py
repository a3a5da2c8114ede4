"""The example script runs end to end on a small digits-shaped CSV and writes a curatable sketch file."""
import gzip
import os
import subprocess
import sys

import numpy as np

from cadc import format as wire
from conftest import HERE

SCRIPT = os.path.join(os.path.dirname(HERE), "examples", "train_mlp_digits.py")


def test_train_mlp_digits_writes_pool_probe_and_train_sketches(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 10
    pixels = np.clip(labels[:, None] + rng.integers(0, 6, (60, 64)), 0, 16)
    data = tmp_path / "digits.csv.gz"
    with gzip.open(data, "wt") as handle:
        for row, label in zip(pixels, labels):
            handle.write(",".join(f"{v:.1f}" for v in row) + f",{label:.1f}\n")
    out = tmp_path / "sketches.arrows"
    result = subprocess.run([sys.executable, SCRIPT, "--data", str(data), "--out", str(out), "--steps", "4",
                             "--checkpoint-every", "2", "--batch-size", "8", "--sketch-dim", "32"],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr
    assert "checkpoint 2 at step 4" in result.stdout
    runs = list(wire.read_sketch_stream(out))
    rows = wire.SketchRows("mlp-digits-1", 32, 7, "kronecker", *[np.concatenate([getattr(r, n) for r in runs])
                           for n in ("step", "checkpoint", "role", "sample_id", "learning_rate", "loss", "sketch")])
    assert {r.run_id for r in runs} == {"mlp-digits-1"} and runs[0].projection_seed == 7
    pool, probe, train = (rows.role == 1), (rows.role == 2), (rows.role == 0)
    assert pool.sum() == 3 * 48 and probe.sum() == 3 * 12 and train.sum() == 4 * 8
    assert sorted(set(rows.checkpoint[pool].tolist())) == [0, 1, 2]
    assert set(rows.sample_id[probe].tolist()).isdisjoint(rows.sample_id[pool].tolist())
    norms = np.linalg.norm(rows.sketch[:, :16], axis=1)   # layer 0's part (k_0 = 16) is unit-normalised
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
