"""Course 2 through a RunConfig: the Trainer trains what the readable loop computes, the
inputs are features of the raw plane, epochs are recorded, options change live."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.initialization import initialize_parameters
from playground.core.training import descend
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, take_snapshot


def test_a_course_2_run_trains_what_the_readable_loop_computes():
    config = RunConfig(dataset="moons", samples=300, noise=0.2, hidden_layers=(5, 2),
                       activations=("relu", "relu"), init="he", learning_rate=0.0007,
                       batch_size=64, shuffle_seed=10, optimizer="adam", l2=0.1)
    trainer = make_trainer(config)
    trainer.run(25)
    p0 = initialize_parameters(trainer.arch.layer_dims, "he", np.random.RandomState(2))
    updates = descend(trainer.train.X, trainer.train.Y, p0, trainer.arch, 0.0007,
                      config.training_options(), np.random.RandomState(2))
    for _ in range(25):
        update = next(updates)
    for key, value in update.parameters.items():
        np.testing.assert_allclose(trainer.parameters[key], value, rtol=1e-12, atol=1e-15)
    assert trainer.epoch == 5 and trainer.iteration == 25                  # ⌈300/64⌉ = 5


def test_batch_size_m_spelled_out_is_plain_descent_bit_for_bit():
    plain, spelled = make_trainer(RunConfig()), make_trainer(RunConfig(batch_size=400))
    plain.run(300)
    spelled.run(300)
    for key, value in plain.parameters.items():
        assert np.array_equal(spelled.parameters[key], value)
    assert np.array_equal(plain.cost_history(), spelled.cost_history())


def test_the_epoch_history_holds_the_full_training_cost_after_each_epoch():
    trainer = make_trainer(RunConfig(batch_size=100, shuffle_seed=3, learning_rate=0.5))
    trainer.run(4 * 7)                                   # 4 mini-batches an epoch
    rows = trainer.epoch_history()
    assert rows[:, 0].tolist() == list(range(1, 8))
    replay = make_trainer(RunConfig(batch_size=100, shuffle_seed=3, learning_rate=0.5))
    replay.run(8)
    assert rows[1, 1] == pytest.approx(replay.engine.full_cost(), rel=1e-12)
    plain = make_trainer(RunConfig())
    plain.run(5)
    assert plain.epoch_history()[:, 0].tolist() == [1, 2, 3, 4]     # iterations = epochs


def test_the_trainer_says_where_an_epoch_starts_the_decayed_rate_and_the_batch_cost():
    config = RunConfig(batch_size=100, shuffle_seed=3, learning_rate=0.5, decay_rate=1.0)
    trainer = make_trainer(config)
    starts, rates = [], []
    for _ in range(13):
        starts.append(trainer.at_epoch_start)
        rates.append(trainer.learning_rate_now())
        cost = trainer.batch_cost()
        trainer.run(1)
        assert trainer.cost_history()[-1, 1] == pytest.approx(cost, rel=1e-12)
    assert starts == [True, False, False, False] * 3 + [True]
    # the notebook's model(): after epoch i (from 0) α = α₀ / (1 + r · i) for the next one
    assert rates == [0.5] * 8 + [0.5 / 2] * 4 + [0.5 / 3]


def test_features_feed_the_network_and_the_pictures_stay_on_the_raw_plane():
    config = RunConfig(dataset="circles", hidden_layers=(), activations=(),
                       features=("x1^2", "x2^2"), normalize=True, learning_rate=1.0)
    trainer = make_trainer(config)
    trainer.run(300)
    assert trainer.arch.layer_dims == (2, 1)
    assert trainer.train_accuracy() > 0.95        # logistic regression solves the circles
    from playground.core.grid import make_grid
    frame = take_snapshot(trainer, run_id=1, state=RunState.PAUSED,
                          grid=make_grid(trainer.shown_train.X, 20))
    assert frame.features == ("x1^2", "x2^2")
    assert np.array_equal(frame.train.X, trainer.shown_train.X)      # raw points drawn
    assert frame.outputs.shape == (1, 20, 20)
    centre = frame.outputs[0, 10, 10]
    corner = frame.outputs[0, 0, 0]
    assert (centre > 0.5) != (corner > 0.5)          # a ring: inside and outside differ


def test_options_change_live_keeping_the_weights_and_say_what_reset():
    trainer = make_trainer(RunConfig(batch_size=50, shuffle_seed=1, optimizer="momentum"))
    trainer.run(30)
    before = trainer.parameters
    said = trainer.set_options(RunConfig(batch_size=50, shuffle_seed=1, optimizer="adam")
                               .training_options())
    assert "optimiser changed" in said and trainer.iteration == 30
    for key, value in before.items():
        assert np.array_equal(trainer.parameters[key], value)
    assert trainer.set_options(RunConfig(batch_size=50, shuffle_seed=1, optimizer="adam",
                                         l2=0.5).training_options()) == ""
    assert "batch size changed" in trainer.set_options(
        RunConfig(batch_size=40, optimizer="adam").training_options())
    trainer.run(10)
    assert trainer.iteration == 40


@pytest.mark.parametrize("changes, message", [
    (dict(batch_size=0), "batch size"), (dict(keep_prob=0.0), "keep"),
    (dict(keep_prob=1.5), "keep"), (dict(l2=-1.0), "l2"), (dict(optimizer="sgdm"), "sgdm"),
    (dict(features=("x3",)), "x3"), (dict(beta2=1.0), "beta2"),
])
def test_bad_course_2_settings_are_refused_clearly(changes, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**changes)


def test_a_batch_larger_than_the_data_and_features_of_1d_data_are_refused():
    with pytest.raises(ValueError, match="400"):
        make_trainer(RunConfig(batch_size=401))
    with pytest.raises(ValueError, match="features"):
        make_trainer(RunConfig(dataset="housing", hidden_layers=(), activations=(),
                               features=("x1^2",)))


def _saved_mini_batch_run(tmp_path):
    """A B = 64 run on the flower saved 3 updates into an epoch, read back from its file."""
    from playground.core.npz import SavedModel, load_model, save_model
    from playground.session.data_spec import data_spec, training_spec

    config = RunConfig(batch_size=64, shuffle_seed=10, optimizer="adam", learning_rate=0.01)
    trainer = make_trainer(config)
    trainer.run(10)                                    # 7 batches an epoch: position 3
    save_model(tmp_path / "mb.npz", SavedModel(
        trainer.arch, trainer.parameters, seed=config.seed, iteration=trainer.iteration,
        learning_rate=config.learning_rate, cost_history=trainer.cost_history(),
        **data_spec(config), **training_spec(config), resume=trainer.resume_arrays()))
    return config, trainer, load_model(tmp_path / "mb.npz")


def test_a_saved_run_continues_exactly_on_its_own_data(tmp_path):
    from playground.session.data_spec import trainer_for_model

    config, trainer, model = _saved_mini_batch_run(tmp_path)
    loaded = trainer_for_model(model, config)
    trainer.run(20)
    loaded.run(20)
    assert loaded.iteration == trainer.iteration == 30
    for key, value in trainer.parameters.items():
        assert np.array_equal(loaded.parameters[key], value)
    assert np.array_equal(loaded.cost_history()[:10], trainer.cost_history()[:10])


def test_a_saved_run_on_other_data_goes_on_from_the_weights_instead_of_hanging(tmp_path):
    """Its epoch position (3 of 7) and 400-long permutation describe the flower's 400
    points: on 100 points (2 batches an epoch) they would never end an epoch."""
    from playground.session.data_spec import resumes, trainer_for_model

    config, _, model = _saved_mini_batch_run(tmp_path)
    other = config.replace(samples=100)
    assert not resumes(model, other, 100) and resumes(model, config, 400)
    loaded = trainer_for_model(model, other)
    assert loaded.run(10) == 10 and loaded.iteration == 20 and loaded.epoch >= 5
    with pytest.raises(ValueError, match="does not fit 100 examples"):
        loaded.engine.resume(dict(model.resume))
