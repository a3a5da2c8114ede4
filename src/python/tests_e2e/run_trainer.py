#!/usr/bin/env python3
"""A PyTorch trainer curated live by the CADC job: the Python half of the Java ``PythonTrainerITCase``.

Run by that test (flink-jobs, Failsafe), which starts a KRaft broker and the job (unbounded, on a Flink
MiniCluster) first and compares what the job committed with ``cadc curate`` on ``--out`` afterwards. Not
a pytest module: it needs the broker and the job.

A small MLP learns a synthetic digits-like task (10 classes of noisy 8x8 prototypes, some pool labels
flipped; no sklearn needed):

1. ``start_run(layers=sketcher.layers())``; a few warm-up steps on the whole pool (TRAIN rows, checkpoint -1);
2. checkpoint 0: POOL and PROBE sketches from ``cadc.torch.Sketcher`` hooks, ``complete_checkpoint(0)``;
   wait for curriculum version 0 with ``CurriculumReader``;
3. stage s = 1..S: train from ``CurriculumSampler`` (``await_newer=True``: at each stage boundary it waits
   for the version the job builds from the checkpoint just published), TRAIN rows every step, then
   checkpoint s; after checkpoint S, wait for version S;
4. ``end_run(S)``.

Every row published is also written, unchanged, to the sketch stream file ``--out`` with
``cadc.SketchStreamWriter``. The script asserts what the trainer can see (each stage drew only ids of
the curriculum's stages 1..s of the version it used, versions 0..S-1 in order, the final version S) and
writes a JSON summary (``--summary``) for the Java test. Exit status 0 means every assertion held.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from the source tree

import cadc  # noqa: E402
from cadc import format as wire  # noqa: E402
from cadc.torch import CurriculumSampler, Sketcher  # noqa: E402

POOL_ID_BASE = 10_000       # pool sample ids: POOL_ID_BASE + dataset index (not the index itself: index_of maps)
PROBE_ID_BASE = 1_000_000   # probe ids: PROBE_ID_BASE + probe index


def digits_like(seed, classes=10, pool_per_class=40, probes_per_class=6, flipped=0.05):
    """Noisy 8x8 prototypes per class, pixel values in [0, 1]; a share of the pool's labels flipped."""
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((classes, 64)) < 0.35).astype(np.float32)

    def draw(per_class):
        labels = np.repeat(np.arange(classes), per_class)
        pixels = np.clip(prototypes[labels] + rng.normal(0.0, 0.35, (len(labels), 64)), 0.0, 1.0)
        order = rng.permutation(len(labels))
        return pixels[order].astype(np.float32), labels[order].astype(np.int64)

    x_pool, y_pool = draw(pool_per_class)
    flip = rng.random(len(y_pool)) < flipped
    y_pool[flip] = (y_pool[flip] + rng.integers(1, classes, int(flip.sum()))) % classes
    x_probe, y_probe = draw(probes_per_class)
    return x_pool, y_pool, x_probe, y_probe


class TeePublisher:
    """``SketchPublisher.publish`` that also writes the same rows to a sketch stream file."""

    def __init__(self, publisher, writer):
        self.publisher = publisher
        self.writer = writer
        self.rows = {"train": 0, "pool": 0, "probe": 0}

    def publish(self, role, checkpoint, step, learning_rate, sample_ids, sketches, losses):
        self.publisher.publish(role, checkpoint, step, learning_rate, sample_ids, sketches, losses)
        n = len(sample_ids)
        self.writer.write(cadc.SketchRows(
            self.publisher.run_id, self.publisher.sketch_dim, self.publisher.projection_seed,
            self.publisher.projection_kind, np.full(n, step, np.int64), np.full(n, checkpoint, np.int32),
            np.full(n, wire.ROLES[role], np.int8), sample_ids, np.full(n, learning_rate, np.float32), losses, sketches))
        self.rows[role] += n


def per_sample_sketches(model, sketcher, x, y, batch_size=128):
    """Sketches and losses of every row of (x, y) at the current weights; the model is not updated."""
    sketches, losses = [], []
    for start in range(0, len(x), batch_size):
        model.zero_grad(set_to_none=True)
        per_sample = nn.functional.cross_entropy(model(x[start:start + batch_size]), y[start:start + batch_size],
                                                 reduction="none")
        per_sample.sum().backward()
        sketches.append(sketcher.sketches())
        losses.append(per_sample.detach().numpy().astype(np.float32))
    model.zero_grad(set_to_none=True)
    return np.concatenate(sketches), np.concatenate(losses)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default=wire.TOPIC_SKETCHES)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--out", required=True, help="sketch stream file: every row published")
    parser.add_argument("--summary", required=True, help="JSON summary for the Java test")
    parser.add_argument("--sketch-dim", type=int, default=128)
    parser.add_argument("--seed", type=int, default=7, help="projection, data and torch seed")
    parser.add_argument("--stages", type=int, default=3, help="stages trained from curricula (checkpoints 0..stages)")
    parser.add_argument("--steps-per-stage", type=int, default=20)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for each curriculum version")
    args = parser.parse_args(argv)
    started = time.monotonic()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    x_pool, y_pool, x_probe, y_probe = (torch.from_numpy(a) for a in digits_like(args.seed))
    pool_ids = POOL_ID_BASE + np.arange(len(y_pool), dtype=np.int64)
    probe_ids = PROBE_ID_BASE + np.arange(len(y_probe), dtype=np.int64)
    index_of = {int(sample_id): index for index, sample_id in enumerate(pool_ids)}
    dataset = torch.utils.data.TensorDataset(x_pool, y_pool, torch.from_numpy(pool_ids))

    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    sketcher = Sketcher(model, args.sketch_dim, args.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate)
    publisher = cadc.SketchPublisher(args.bootstrap, args.run_id, args.sketch_dim, args.seed, topic=args.topic)
    writer = cadc.SketchStreamWriter(args.out, args.sketch_dim, args.seed, "kronecker")
    tee = TeePublisher(publisher, writer)
    reader = cadc.CurriculumReader(args.bootstrap)
    step = 0

    def train_step(xb, yb, ids, checkpoint):
        nonlocal step
        optimizer.zero_grad(set_to_none=True)
        per_sample = nn.functional.cross_entropy(model(xb), yb, reduction="none")
        per_sample.mean().backward()
        sketches = sketcher.sketches()
        optimizer.step()
        tee.publish("train", checkpoint, step, args.learning_rate, ids, sketches,
                    per_sample.detach().numpy().astype(np.float32))
        step += 1

    def publish_checkpoint(checkpoint):
        tee.publish("pool", checkpoint, step, args.learning_rate, pool_ids,
                    *per_sample_sketches(model, sketcher, x_pool, y_pool))
        tee.publish("probe", checkpoint, step, args.learning_rate, probe_ids,
                    *per_sample_sketches(model, sketcher, x_probe, y_probe))
        rows = publisher.complete_checkpoint(checkpoint)
        assert rows == len(pool_ids) + len(probe_ids), rows
        with torch.no_grad():
            accuracy = (model(x_probe).argmax(1) == y_probe).float().mean().item()
        print(f"checkpoint {checkpoint} at step {step}: {rows} POOL+PROBE rows, probe accuracy {accuracy:.3f} "
              f"({time.monotonic() - started:.1f} s)", flush=True)

    publisher.start_run(layers=sketcher.layers())
    rng = np.random.default_rng(args.seed + 1)
    for _ in range(args.warmup_steps):
        batch = rng.choice(len(pool_ids), args.batch_size, replace=False)
        train_step(x_pool[batch], y_pool[batch], pool_ids[batch], -1)
    publish_checkpoint(0)
    first = reader.await_newer_than(args.run_id, -1, args.timeout)
    assert first.version == 0 and first.checkpoint == 0, (first.version, first.checkpoint)
    print(f"curriculum version 0: stages {first.stage_numbers}, {len(first.entries)} samples "
          f"({time.monotonic() - started:.1f} s)", flush=True)

    sampler = CurriculumSampler(reader, args.run_id, index_of, args.steps_per_stage * args.batch_size,
                                stages=args.stages, seed=args.seed, timeout_s=args.timeout, await_newer=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    stage_draws = []
    for batch_index, (xb, yb, ids) in enumerate(loader):
        stage_index = batch_index // args.steps_per_stage           # stage stage_index + 1
        curriculum = sampler.curriculum                              # the version this batch was drawn from
        if batch_index % args.steps_per_stage == 0:
            assert sampler.versions == list(range(stage_index + 1)), sampler.versions
            assert curriculum.version == stage_index and curriculum.checkpoint == stage_index, curriculum.version
            upto = curriculum.stage_numbers[min(stage_index, len(curriculum.stage_numbers) - 1)]
            allowed = set(curriculum.sample_ids_up_to(upto))
            stage_draws.append({"stage": stage_index + 1, "version": curriculum.version, "up_to_stage": upto,
                                "allowed": len(allowed), "drawn": set()})
            print(f"stage {stage_index + 1}: curriculum version {curriculum.version}, stages 1..{upto} "
                  f"({len(allowed)} samples)", flush=True)
        drawn = ids.numpy().astype(np.int64)
        outside = set(drawn.tolist()) - allowed
        assert not outside, f"stage {stage_index + 1} drew {sorted(outside)}, not in stages 1..{upto} of version " \
                            f"{curriculum.version}"
        stage_draws[-1]["drawn"].update(drawn.tolist())
        train_step(xb, yb, drawn, stage_index)
        if (batch_index + 1) % args.steps_per_stage == 0:
            publish_checkpoint(stage_index + 1)                      # the sampler's next draw awaits its version
    assert len(stage_draws) == args.stages and sampler.versions == list(range(args.stages)), sampler.versions

    final = reader.await_newer_than(args.run_id, args.stages - 1, args.timeout)
    assert final.version == args.stages and final.checkpoint == args.stages, (final.version, final.checkpoint)
    assert set(e.sample_id for e in final.entries) <= set(pool_ids.tolist()), "a curriculum id that is no pool id"
    publisher.end_run(args.stages)
    publisher.close()
    writer.close()
    reader.close()

    summary = {
        "run_id": args.run_id,
        "layers": sketcher.layers(),
        "versions_used": sampler.versions,
        "final_version": final.version,
        "final_entries": [[e.sample_id, e.stage, e.position, e.capability, e.influence] for e in final.entries],
        "rows": tee.rows,
        "steps": step,
        "stage_draws": [dict(d, drawn=sorted(d["drawn"])) for d in stage_draws],
        "seconds": round(time.monotonic() - started, 1),
    }
    with open(args.summary, "w") as handle:
        json.dump(summary, handle)
    print(f"run {args.run_id}: stages trained from versions {sampler.versions}, final version {final.version} "
          f"({len(final.entries)} samples), rows {tee.rows}, {summary['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
