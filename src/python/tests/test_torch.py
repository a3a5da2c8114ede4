"""cadc.torch.Sketcher against explicit per-sample gradients; CurriculumSampler with a stub reader."""
import numpy as np
import pytest
import torch
from torch import nn

from cadc import projection as p
from cadc.format import Curriculum, CurriculumEntry
from cadc.torch import CurriculumSampler, Sketcher

torch.manual_seed(0)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def explicit_sketches(model, names, sketch_dim, seed, x, y, loss_of):
    """(R_out (x) R_in) vec(G) per layer, normalised, with G from autograd one sample at a time."""
    modules = dict(model.named_modules())
    shapes = [(modules[n].out_features, modules[n].in_features) for n in names]
    projection = p.KroneckerProjection(seed, shapes, sketch_dim)
    rows = []
    for i in range(x.shape[0]):
        model.zero_grad()
        loss_of(model(x[i:i + 1]), y[i:i + 1]).backward()
        parts = []
        for layer, name in zip(projection.layers, names):
            g = modules[name].weight.grad.detach().double().numpy().reshape(-1)   # row-major vec(G)
            dense = np.kron(layer.r_out.astype(np.float64), layer.r_in.astype(np.float64))
            part = dense @ g
            parts.append(part / np.linalg.norm(part))
        rows.append(np.concatenate(parts))
    return np.array(rows)


def test_hook_sketches_equal_projected_explicit_per_sample_gradients():
    model = Mlp().double()
    x = torch.randn(7, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (7,))
    sketcher = Sketcher(model, 24, seed=5)
    assert sketcher.layers() == [{"name": "fc1", "shape": [5, 6]}, {"name": "fc2", "shape": [3, 5]}]
    loss = nn.functional.cross_entropy(model(x), y)   # mean over the batch: the scale does not matter
    loss.backward()
    sketches = sketcher.sketches()
    expected = explicit_sketches(model, ["fc1", "fc2"], 24, 5, x, y, nn.functional.cross_entropy)
    assert sketches.dtype == np.float32 and sketches.shape == (7, 24)
    np.testing.assert_allclose(sketches, expected, rtol=1e-5, atol=1e-6)


def test_hook_sketches_with_a_sequence_dimension_sum_over_tokens():
    model = Mlp().double()
    x = torch.randn(4, 9, 6, dtype=torch.float64)   # batch, tokens, features
    y = torch.randn(4, 9, 3, dtype=torch.float64)

    def loss_of(out, target):
        return ((out - target) ** 2).sum()

    sketcher = Sketcher(model, 30, seed=-17, layers=["fc2", "fc1"])
    loss_of(model(x), y).backward()
    sketches = sketcher.sketches()
    expected = explicit_sketches(model, ["fc2", "fc1"], 30, -17, x, y, loss_of)
    np.testing.assert_allclose(sketches, expected, rtol=1e-5, atol=1e-6)


def test_hook_sketches_equal_the_projection_of_the_recorded_deltas_and_inputs():
    model = Mlp()
    x = torch.randn(3, 2, 6)
    captured = {}
    model.fc1.register_forward_hook(lambda m, i, o: captured.__setitem__("x1", i[0].detach()))
    model.fc2.register_forward_hook(lambda m, i, o: captured.__setitem__("x2", i[0].detach()))
    model.fc1.register_full_backward_hook(lambda m, gi, go: captured.__setitem__("d1", go[0].detach()))
    model.fc2.register_full_backward_hook(lambda m, gi, go: captured.__setitem__("d2", go[0].detach()))
    sketcher = Sketcher(model, 16, seed=3)
    model(x).sum().backward()
    projection = p.KroneckerProjection(3, [(5, 6), (3, 5)], 16)
    expected = projection.sketch([captured["d1"].numpy(), captured["d2"].numpy()],
                                 [captured["x1"].numpy(), captured["x2"].numpy()])
    np.testing.assert_array_equal(sketcher.sketches(), expected)


def test_sketcher_pauses_clears_and_rejects_bad_layers():
    model = Mlp()
    sketcher = Sketcher(model, 8, seed=1)
    with sketcher.paused():
        model(torch.randn(2, 6)).sum().backward()
    with pytest.raises(RuntimeError, match="no recorded backward pass"):
        sketcher.sketches()
    with torch.no_grad():
        model(torch.randn(2, 6))
    model(torch.randn(2, 6)).sum().backward()
    assert sketcher.sketches().shape == (2, 8)
    first, second = torch.randn(3, 6), torch.randn(3, 6)
    model(first).sum().backward()           # a pass nobody asks the sketches of
    model(second).sum().backward()
    last = sketcher.sketches()
    model(second).sum().backward()
    np.testing.assert_array_equal(last, sketcher.sketches())
    with pytest.raises(ValueError, match="no module named 'nope'"):
        Sketcher(model, 8, seed=1, layers=["nope"])
    with pytest.raises(ValueError, match="not an nn.Linear"):
        Sketcher(model, 8, seed=1, layers=["act"])
    with pytest.raises(ValueError, match="number of layers"):
        Sketcher(model, 1, seed=1)
    with pytest.raises(ValueError, match="no nn.Linear"):
        Sketcher(nn.Tanh(), 8, seed=1)
    sketcher.remove()


class StubReader:
    """Serves curriculum versions in order: latest() returns the next one each call."""

    def __init__(self, versions):
        self.versions = versions
        self.calls = []

    def latest(self, run_id, timeout_s):
        self.calls.append(("latest", run_id))
        return self.versions.pop(0) if len(self.versions) > 1 else self.versions[0]

    def await_newer_than(self, run_id, version, timeout_s):
        self.calls.append(("await", version))
        return self.versions.pop(0)


def curriculum(version, stages):
    entries = [CurriculumEntry(sample, stage, position, 0, 1.0)
               for stage, samples in stages.items() for position, sample in enumerate(samples)]
    return Curriculum("run", version, version, 10, 100, 0, 0, entries)


def test_curriculum_exposes_stages_as_cadc_curate_lists_them():
    c = curriculum(4, {1: [10, 11], 2: [20], 3: [30, 31, 32]})
    assert c.stages == [[10, 11], [20], [30, 31, 32]]
    assert c.stage_numbers == [1, 2, 3]
    assert c.sample_ids_up_to(2) == [10, 11, 20]


def test_sampler_draws_cumulative_stages_and_moves_to_the_newest_version_at_each_boundary():
    index_of = {10: 0, 11: 1, 20: 2, 21: 3, 30: 4, 99: 9}
    reader = StubReader([curriculum(1, {1: [10, 11], 2: [20], 3: [30]}),
                         curriculum(2, {1: [10], 2: [21], 3: [30]}),
                         curriculum(3, {1: [10], 2: [20], 3: [30, 12345]})])
    sampler = CurriculumSampler(reader, "run", index_of, steps_per_stage=200, seed=7)
    drawn = list(sampler)
    assert len(sampler) == 600 and len(drawn) == 600
    assert set(drawn[:200]) == {0, 1}                 # stage 1 of version 1
    assert set(drawn[200:400]) == {0, 3}              # stages 1..2 of version 2
    assert set(drawn[400:]) == {0, 2, 4}              # stages 1..3 of version 3 (12345 unknown: skipped)
    assert sampler.versions == [1, 2, 3]


def test_sampler_awaits_newer_versions_when_asked_and_rejects_bad_arguments():
    reader = StubReader([curriculum(5, {1: [10], 2: [11]}), curriculum(6, {1: [10], 2: [11]})])
    sampler = CurriculumSampler(reader, "run", lambda sample_id: sample_id - 10, 3, await_newer=True, stages=2)
    assert sorted(set(sampler)) == [0, 1]
    assert ("await", 5) in reader.calls and sampler.versions == [5, 6]
    assert isinstance(sampler, torch.utils.data.Sampler)
    with pytest.raises(ValueError, match="steps_per_stage"):
        CurriculumSampler(reader, "run", {}, 0)
    with pytest.raises(ValueError, match="stages must be"):
        CurriculumSampler(reader, "run", {}, 1, stages=0)
    with pytest.raises(ValueError, match="index_of"):
        CurriculumSampler(reader, "run", 42, 1)


def test_sampler_feeds_a_data_loader():
    dataset = torch.utils.data.TensorDataset(torch.arange(5.0))
    reader = StubReader([curriculum(1, {1: [3, 4]})])
    loader = torch.utils.data.DataLoader(dataset, batch_size=4,
                                         sampler=CurriculumSampler(reader, "run", {3: 3, 4: 4}, 8))
    values = torch.cat([batch[0] for batch in loader])
    assert len(values) == 8 and set(values.tolist()) == {3.0, 4.0}
