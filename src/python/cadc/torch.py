"""PyTorch integration: kronecker sketches through hooks (:class:`Sketcher`) and a curriculum-driven
sampler (:class:`CurriculumSampler`). Needs torch; the rest of ``cadc`` does not."""
from __future__ import annotations

import random
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .projection import KroneckerProjection, kronecker_part


class Sketcher:
    """Per-sample KRONECKER sketches (``schemas/PROJECTION.md``) of a model's ``nn.Linear`` layers.

    ``Sketcher(model, sketch_dim, seed, layers=None)`` hooks every ``nn.Linear`` of ``model`` (in
    ``model.named_modules()`` order) or the ones named in ``layers`` (in that order). Each hooked layer
    records, during the forward pass, ``v_t = R_in x_t`` of its input and, during the backward pass,
    ``u_t = R_out delta_t`` of the gradient of its output, for every sample of the batch (dimension 0)
    and every token (all dimensions between the first and the last are tokens, summed over). After
    ``loss.backward()``, :meth:`sketches` returns one float32 sketch per sample: per layer
    ``M = sum_t u_t v_t^T`` normalised (``(u (x) v)/(|u||v|)`` for one token), the parts concatenated in
    layer order. No per-sample gradient is materialised; memory is ``batch x tokens x (a_l + b_l)``
    doubles per layer. Biases are not sketched (PROJECTION.md).

    Per-sample gradients only make sense when samples do not interact in the forward pass (no
    BatchNorm in training mode, no cross-sample attention); the loss may be a mean or a sum over the
    batch (each part is normalised, so its scale does not matter), but each sample's part must depend
    on its own loss only. A layer used several times in one forward pass contributes every use as more
    tokens. :meth:`sketches` describes the last forward/backward pass: a forward pass after a finished
    backward pass replaces what was recorded, so skipping sketches() on some steps costs nothing. Use
    :meth:`paused` (or ``enabled = False``) for passes you do not want recorded at all.
    """

    def __init__(self, model: nn.Module, sketch_dim: int, seed: int, layers: Optional[Sequence[str]] = None):
        modules = dict(model.named_modules())
        if layers is None:
            chosen = [(name, module) for name, module in modules.items() if isinstance(module, nn.Linear)]
            if not chosen:
                raise ValueError("the model has no nn.Linear layer to sketch; name the layers to sketch")
        else:
            chosen = []
            for name in layers:
                if name not in modules:
                    raise ValueError(f"the model has no module named {name!r}")
                if not isinstance(modules[name], nn.Linear):
                    raise ValueError(f"module {name!r} is a {type(modules[name]).__name__}, not an nn.Linear")
                chosen.append((name, modules[name]))
            if len({name for name, _ in chosen}) != len(chosen):
                raise ValueError(f"layers names a module twice: {list(layers)}")
        self._names = [name for name, _ in chosen]
        self._shapes = [(m.out_features, m.in_features) for _, m in chosen]
        self.projection = KroneckerProjection(seed, self._shapes, sketch_dim)
        self.sketch_dim = self.projection.sketch_dim
        self.seed = self.projection.seed
        self.enabled = True
        self._factors: Dict[torch.device, List[tuple]] = {}
        self._records: List[List[list]] = [[] for _ in chosen]   # per layer: [v, u-or-None] per use
        self._handles = [module.register_forward_hook(self._forward_hook(index)) for index, (_, module) in
                         enumerate(chosen)]

    def layers(self) -> List[Dict[str, object]]:
        """``[{"name": ..., "shape": [out, in]}]`` in sketch order, for ``SketchPublisher.start_run(layers=...)``."""
        return [{"name": name, "shape": [out, inp]} for name, (out, inp) in zip(self._names, self._shapes)]

    def _device_factors(self, device: torch.device):
        if device not in self._factors:
            self._factors[device] = [(torch.from_numpy(layer.r_out).to(device=device, dtype=torch.float64),
                                      torch.from_numpy(layer.r_in).to(device=device, dtype=torch.float64))
                                     for layer in self.projection.layers]
        return self._factors[device]

    def _forward_hook(self, index: int):
        def hook(module, inputs, output):
            if not self.enabled or not torch.is_grad_enabled() or not output.requires_grad:
                return
            x = inputs[0].detach()
            if x.dim() < 2:
                raise ValueError(f"layer {self._names[index]}: input of shape {tuple(x.shape)} has no sample dimension")
            r_out, r_in = self._device_factors(x.device)[index]
            v = x.reshape(x.shape[0], -1, x.shape[-1]).to(torch.float64) @ r_in.T   # n, T, b
            records = self._records[index]
            if records and all(u is not None for _, u in records):
                records.clear()   # a new pass after a finished one: sketches() describes the last pass
            record = [v, None]
            records.append(record)

            def backward_hook(grad):
                g = grad.detach()
                record[1] = g.reshape(g.shape[0], -1, g.shape[-1]).to(torch.float64) @ r_out.T   # n, T, a

            output.register_hook(backward_hook)
        return hook

    def sketches(self) -> np.ndarray:
        """float32 ``[n, k]`` sketches of the samples of the last forward/backward pass, then forgets them.
        Raises RuntimeError when a hooked layer has no recorded forward and backward pass."""
        parts = []
        rows = None
        for index, records in enumerate(self._records):
            done = [(v, u) for v, u in records if u is not None]
            if not done:
                self.clear()
                raise RuntimeError(f"layer {self._names[index]} has no recorded backward pass: call sketches() after "
                                   f"loss.backward(), with the sketcher enabled and gradients on")
            if rows is None:
                rows = done[0][0].shape[0]
            if any(v.shape[0] != rows for v, _ in done):
                self.clear()
                raise RuntimeError("the recorded passes have different batch sizes; call sketches() after each backward")
            v = torch.cat([v for v, _ in done], dim=1).cpu().numpy()
            u = torch.cat([u for _, u in done], dim=1).cpu().numpy()
            parts.append(kronecker_part(u, v))
        self.clear()
        return np.concatenate(parts, axis=1).astype(np.float32)

    def clear(self):
        """Forgets what the hooks recorded."""
        self._records = [[] for _ in self._records]

    def paused(self):
        """A context manager during which nothing is recorded."""
        sketcher = self

        class _Paused:
            def __enter__(self):
                self.previous = sketcher.enabled
                sketcher.enabled = False

            def __exit__(self, *exc):
                sketcher.enabled = self.previous

        return _Paused()

    def remove(self):
        """Removes the hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.clear()


class CurriculumSampler(torch.utils.data.Sampler):
    """A ``torch.utils.data.Sampler`` of dataset indices driven by a run's curriculum.

    ``CurriculumSampler(reader, run_id, index_of, steps_per_stage, *, stages=None, seed=0, timeout_s=600,
    await_newer=False)``: stage ``s`` (the curriculum's stage numbers, first stage first) draws
    ``steps_per_stage`` indices uniformly at random, with replacement, from everything introduced in
    stages ``1..s`` (stages are cumulative: every stage number up to the current one). At each stage
    boundary, after ``steps_per_stage`` draws, it moves to the newest curriculum version:
    ``reader.latest(run_id)`` or, with ``await_newer=True``, ``reader.await_newer_than(run_id, version)``
    (blocks until the job publishes a newer version, as the Java ``LiveTrainer`` does). ``index_of`` maps
    a sample id to a dataset index (a dict, list or callable); ids it does not know (KeyError, IndexError
    or None) are skipped. ``stages`` fixes the number of stages (default: the first curriculum's count);
    ``len()`` is ``steps_per_stage * stages``. The first curriculum is awaited at the first iteration
    for up to ``timeout_s``. :attr:`versions` lists the versions used, one per stage.
    """

    def __init__(self, reader, run_id: str, index_of, steps_per_stage: int, *, stages: Optional[int] = None,
                 seed: int = 0, timeout_s: float = 600.0, await_newer: bool = False):
        if not isinstance(steps_per_stage, int) or isinstance(steps_per_stage, bool) or steps_per_stage < 1:
            raise ValueError(f"steps_per_stage must be an int >= 1, got {steps_per_stage!r}")
        if stages is not None and (not isinstance(stages, int) or isinstance(stages, bool) or stages < 1):
            raise ValueError(f"stages must be None or an int >= 1, got {stages!r}")
        if not callable(index_of) and not hasattr(index_of, "__getitem__"):
            raise ValueError("index_of must map a sample id to a dataset index: a dict, a list or a callable")
        self.reader = reader
        self.run_id = run_id
        self.index_of = index_of
        self.steps_per_stage = steps_per_stage
        self.stages = stages
        self.seed = seed
        self.timeout_s = timeout_s
        self.await_newer = await_newer
        self.versions: List[int] = []
        self.curriculum = None

    def __len__(self) -> int:
        return self.steps_per_stage * self._stage_count()

    def _stage_count(self) -> int:
        if self.stages is not None:
            return self.stages
        self._first()
        return max(1, len(self.curriculum.stages))

    def _first(self):
        if self.curriculum is None:
            current = self.reader.latest(self.run_id, self.timeout_s)
            self.curriculum = current if current is not None else \
                self.reader.await_newer_than(self.run_id, -1, self.timeout_s)

    def _refresh(self):
        if self.await_newer:
            self.curriculum = self.reader.await_newer_than(self.run_id, self.curriculum.version, self.timeout_s)
        else:
            newest = self.reader.latest(self.run_id, self.timeout_s)
            if newest is not None and newest.version >= self.curriculum.version:
                self.curriculum = newest

    def _lookup(self, sample_id: int):
        try:
            index = self.index_of(sample_id) if callable(self.index_of) else self.index_of[sample_id]
        except (KeyError, IndexError):
            return None
        return None if index is None else int(index)

    def __iter__(self) -> Iterator[int]:
        self._first()
        total = self._stage_count()
        rng = random.Random(self.seed)
        self.versions = []
        for stage_index in range(total):
            if stage_index > 0:
                self._refresh()
            numbers = self.curriculum.stage_numbers
            if not numbers:
                raise RuntimeError(f"curriculum version {self.curriculum.version} of run {self.run_id} selects no sample")
            upto = numbers[min(stage_index, len(numbers) - 1)]
            pool = [i for i in (self._lookup(s) for s in self.curriculum.sample_ids_up_to(upto)) if i is not None]
            if not pool:
                raise RuntimeError(f"no sample of stages up to {upto} of curriculum version {self.curriculum.version} "
                                   f"is in the dataset (index_of knows none of them)")
            self.versions.append(self.curriculum.version)
            for _ in range(self.steps_per_stage):
                yield pool[rng.randrange(len(pool))]
