#!/usr/bin/env python3
"""Train a small MLP on the 8x8 digits and publish its gradient sketches to CADC.

Every step publishes TRAIN rows; at each checkpoint (every --checkpoint-every steps) the whole pool
(the training split) is sketched as POOL rows and a held-out split as PROBE rows, followed by a
checkpoint-complete record; a run-end record closes the run. With --bootstrap the rows go to Kafka
(cadc.sketches, where the CADC job curates them live); without it they go to an Arrow stream file
(--out) that `cadc curate --sketches FILE --out curriculum.json` curates in batch.

    /usr/bin/python3 src/python/examples/train_mlp_digits.py --out /tmp/digits.arrows
    ./cadc curate --sketches /tmp/digits.arrows --out /tmp/digits-curriculum.json

    ./cadc broker &      # or any Kafka; then ./cadc job ... (see the README)
    /usr/bin/python3 src/python/examples/train_mlp_digits.py --bootstrap localhost:9092

The data is scikit-learn's digits.csv.gz (Debian: python3-sklearn), 1797 rows of 64 pixel values and
a label; any CSV of that shape works (--data).
"""
import argparse
import gzip
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from the source tree

import cadc  # noqa: E402
from cadc.torch import Sketcher  # noqa: E402

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
PROBE_ID_OFFSET = 1_000_000


class FileSink:
    """What SketchPublisher does, into a sketch stream file (no control records in a file)."""

    def __init__(self, path, run_id, sketch_dim, seed):
        self.run_id = run_id
        self.writer = cadc.SketchStreamWriter(path, sketch_dim, seed, "kronecker")

    def start_run(self, layers=None):
        pass

    def publish(self, role, checkpoint, step, learning_rate, sample_ids, sketches, losses):
        n = len(sample_ids)
        self.writer.write(cadc.SketchRows(
            self.run_id, self.writer.sketch_dim, self.writer.projection_seed, "kronecker",
            np.full(n, step, np.int64), np.full(n, checkpoint, np.int32),
            np.full(n, cadc.format.ROLES[role], np.int8), sample_ids, np.full(n, learning_rate, np.float32),
            losses, sketches))

    def complete_checkpoint(self, checkpoint, row_count=None):
        pass

    def end_run(self, last_checkpoint):
        pass

    def close(self):
        self.writer.close()


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        data = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    return data[:, :-1] / 16.0, data[:, -1].astype(np.int64)


def sketch_rows(model, sketcher, x, y, ids, batch_size=256):
    """Per-sample sketches and losses of (x, y), in batches; the model is not updated."""
    sketches, losses = [], []
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        model.zero_grad(set_to_none=True)
        per_sample = nn.functional.cross_entropy(model(xb), yb, reduction="none")
        per_sample.sum().backward()
        sketches.append(sketcher.sketches())
        losses.append(per_sample.detach().numpy().astype(np.float32))
    model.zero_grad(set_to_none=True)
    return ids, np.concatenate(sketches), np.concatenate(losses)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DIGITS, help="digits CSV (64 pixels and a label per row; .gz ok)")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers; without it, write --out")
    parser.add_argument("--out", default="digits-sketches.arrows", help="sketch stream file when not publishing")
    parser.add_argument("--client-properties", help="a Java client.properties with security settings")
    parser.add_argument("--run-id", default="mlp-digits-1")
    parser.add_argument("--sketch-dim", type=int, default=256)
    parser.add_argument("--seed", type=int, default=7, help="projection seed (and torch seed)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--probe-fraction", type=float, default=0.2)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    pixels, labels = load(args.data)
    order = np.random.default_rng(args.seed).permutation(len(labels))
    probes = order[:int(len(order) * args.probe_fraction)]
    pool = order[len(probes):]
    x_pool, y_pool = torch.from_numpy(pixels[pool]), torch.from_numpy(labels[pool])
    x_probe, y_probe = torch.from_numpy(pixels[probes]), torch.from_numpy(labels[probes])
    pool_ids = pool.astype(np.int64)
    probe_ids = (PROBE_ID_OFFSET + probes).astype(np.int64)

    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    sketcher = Sketcher(model, args.sketch_dim, args.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate)
    if args.bootstrap:
        settings = cadc.read_client_properties(args.client_properties) if args.client_properties else {}
        sink = cadc.SketchPublisher(args.bootstrap, args.run_id, args.sketch_dim, args.seed, **settings)
    else:
        sink = FileSink(args.out, args.run_id, args.sketch_dim, args.seed)
    sink.start_run(layers=sketcher.layers())

    rng = np.random.default_rng(args.seed + 1)
    checkpoint = -1
    for step in range(args.steps + 1):
        if step % args.checkpoint_every == 0:
            checkpoint += 1
            sink.publish("pool", checkpoint, step, args.learning_rate, *sketch_rows(model, sketcher, x_pool, y_pool, pool_ids))
            sink.publish("probe", checkpoint, step, args.learning_rate,
                         *sketch_rows(model, sketcher, x_probe, y_probe, probe_ids))
            sink.complete_checkpoint(checkpoint)
            with torch.no_grad():
                accuracy = (model(x_probe).argmax(1) == y_probe).float().mean().item()
            print(f"checkpoint {checkpoint} at step {step}: probe accuracy {accuracy:.3f}", flush=True)
        if step == args.steps:
            break
        batch = rng.choice(len(pool), args.batch_size, replace=False)
        optimizer.zero_grad(set_to_none=True)
        per_sample = nn.functional.cross_entropy(model(x_pool[batch]), y_pool[batch], reduction="none")
        per_sample.mean().backward()
        train_sketches = sketcher.sketches()
        optimizer.step()
        sink.publish("train", checkpoint, step, args.learning_rate, pool_ids[batch], train_sketches,
                     per_sample.detach().numpy().astype(np.float32))
    sink.end_run(checkpoint)
    sink.close()
    print(f"run {args.run_id}: {checkpoint + 1} checkpoints, {len(pool)} pool samples, {len(probes)} probes -> "
          f"{args.bootstrap or args.out}")


if __name__ == "__main__":
    main()
