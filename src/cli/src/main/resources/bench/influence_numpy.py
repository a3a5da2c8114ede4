"""The influence matrix of a planted sketch set with NumPy, for `cadc bench pipeline`.

A(i, p) = sum_j eta_ij * <x_ij / |x_ij|, v_pj / |v_pj|> over the checkpoints j, for every pool sample i
(ascending id) and probe p (ascending id): what CADC's influence stage computes. Reads the raw files the
bench wrote (rows.meta: float64 [role, checkpoint, sample id, learning rate] per row; rows.f32: float32
sketches), times loading and computing separately, and compares with Java's matrix (java_influence.f64)
so that a wrong script cannot win. Prints one JSON line, with this process's CPU time (the JVM's
figure leaves a child process out).
"""
import json
import sys
import time

import numpy as np

POOL, PROBE = 1, 2


def main(directory, dim):
    started = time.perf_counter()
    meta = np.fromfile(f"{directory}/rows.meta", dtype=np.float64).reshape(-1, 4)
    sketches = np.fromfile(f"{directory}/rows.f32", dtype=np.float32).reshape(-1, dim)
    loaded = time.perf_counter()

    role, checkpoint, sample, rate = meta[:, 0].astype(np.int64), meta[:, 1].astype(np.int64), meta[:, 2].astype(np.int64), meta[:, 3]
    pool_ids = np.unique(sample[role == POOL])
    probe_ids = np.unique(sample[role == PROBE])
    # Unit rows in place (norms accumulated in double, as Java does), no copy of the 4-byte matrix.
    norms = np.sqrt(np.einsum("ij,ij->i", sketches, sketches, dtype=np.float64)).astype(np.float32)
    np.divide(sketches, np.where(norms == 0, np.float32(1), norms)[:, None], out=sketches)
    influence = np.zeros((len(pool_ids), len(probe_ids)), dtype=np.float64)
    for j in np.unique(checkpoint[role == PROBE]):
        probes = np.flatnonzero((role == PROBE) & (checkpoint == j))
        probe_matrix = np.zeros((len(probe_ids), dim), dtype=np.float32)
        probe_matrix[np.searchsorted(probe_ids, sample[probes])] = sketches[probes]
        rows = np.flatnonzero((role == POOL) & (checkpoint == j))
        terms = sketches[rows] @ probe_matrix.T          # float32 GEMM (BLAS)
        terms *= rate[rows, None].astype(np.float32)
        influence[np.searchsorted(pool_ids, sample[rows])] += terms
    computed = time.perf_counter()

    java = np.fromfile(f"{directory}/java_influence.f64", dtype=np.float64).reshape(influence.shape)
    scale = max(1.0, float(np.abs(java).max()))
    difference = float(np.abs(influence - java).max()) / scale
    # CPU time of this whole process (every BLAS thread, and the import), for the stage's cores-busy figure.
    print(json.dumps({"load_s": loaded - started, "compute_s": computed - loaded, "cpu_s": time.process_time(), "pool": len(pool_ids),
                      "probes": len(probe_ids), "max_relative_difference": difference,
                      "blas": np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {}).get("name", "?")
                      if hasattr(np.__config__, "CONFIG") else "?"}))
    return 0 if difference <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
