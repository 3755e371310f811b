"""Momentum, RMSprop, Adam and learning-rate decay against the course notebook's code."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.optimizers import (
    OPTIMIZERS,
    SETTING_SYMBOLS,
    Decay,
    OptimizerSettings,
    initialize_moments,
    moment_keys,
    update_parameters,
)


# -- the notebook's functions, transcribed ------------------------------------------------
def initialize_velocity(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(L):
        v["dW" + str(l + 1)] = np.zeros(parameters["W" + str(l + 1)].shape)
        v["db" + str(l + 1)] = np.zeros(parameters["b" + str(l + 1)].shape)
    return v


def update_parameters_with_gd(parameters, grads, learning_rate):
    parameters = dict(parameters)
    L = len(parameters) // 2
    for l in range(L):
        W, b = "W" + str(l + 1), "b" + str(l + 1)
        parameters[W] = parameters[W] - learning_rate * grads["d" + W]
        parameters[b] = parameters[b] - learning_rate * grads["d" + b]
    return parameters


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    parameters, v = dict(parameters), dict(v)
    L = len(parameters) // 2
    for l in range(L):
        v["dW" + str(l + 1)] = beta * v["dW" + str(l + 1)] + (1 - beta) * grads["dW" + str(l + 1)]
        v["db" + str(l + 1)] = beta * v["db" + str(l + 1)] + (1 - beta) * grads["db" + str(l + 1)]
        W, b = "W" + str(l + 1), "b" + str(l + 1)
        parameters[W] = parameters[W] - learning_rate * v["d" + W]
        parameters[b] = parameters[b] - learning_rate * v["d" + b]
    return parameters, v


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    parameters, v, s = dict(parameters), dict(v), dict(s)
    L = len(parameters) // 2
    v_corrected, s_corrected = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            d = "d" + p + str(l)
            v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
            v_corrected[d] = v[d] / (1 - np.power(beta1, t))
            s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)
            s_corrected[d] = s[d] / (1 - np.power(beta2, t))
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v_corrected[d] / (
                np.sqrt(s_corrected[d]) + epsilon)
    return parameters, v, s


def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon):
    """The lecture's RMSprop (the notebook has none), written the same way."""
    parameters, s = dict(parameters), dict(s)
    for key in list(parameters):
        d = "d" + key
        s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)
        parameters[key] = parameters[key] - learning_rate * grads[d] / (np.sqrt(s[d]) + epsilon)
    return parameters, s


def update_lr(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))


def notebook_test_case():
    """``update_parameters_with_momentum_test_case`` (and Adam's: the same draws)."""
    rng = np.random.RandomState(1)
    W1, b1 = rng.randn(2, 3), rng.randn(2, 1)
    W2, b2 = rng.randn(3, 3), rng.randn(3, 1)
    dW1, db1 = rng.randn(2, 3), rng.randn(2, 1)
    dW2, db2 = rng.randn(3, 3), rng.randn(3, 1)
    return ({"W1": W1, "b1": b1, "W2": W2, "b2": b2},
            {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2})


def as_notebook(moments, letter):
    """Our {vW1: …} as the notebook's v = {dW1: …}."""
    return {"d" + name[1:]: value for name, value in moments.items() if name[0] == letter}


# -- the notebook's printed numbers ----------------------------------------------------
def test_momentum_gives_the_notebooks_printed_update():
    parameters, grads = notebook_test_case()
    moments = initialize_moments(parameters, "momentum")
    new, moments = update_parameters(parameters, grads, moments, 1, 0.01,
                                     OptimizerSettings("momentum", beta=0.9))
    np.testing.assert_allclose(new["W1"], [[1.62544598, -0.61290114, -0.52907334],
                                           [-1.07347112, 0.86450677, -2.30085497]], atol=6e-9)
    np.testing.assert_allclose(new["b2"], [[-0.87809283], [0.04055394], [0.58207317]],
                               atol=6e-9)
    np.testing.assert_allclose(moments["vW1"], [[-0.11006192, 0.11447237, 0.09015907],
                                                [0.05024943, 0.09008559, -0.06837279]],
                               atol=6e-9)
    np.testing.assert_allclose(moments["vb2"], [[0.02344157], [0.16598022], [0.07420442]],
                               atol=6e-9)


def test_adam_gives_the_notebooks_printed_update_at_t_2():
    parameters, grads = notebook_test_case()
    moments = initialize_moments(parameters, "adam")
    new, moments = update_parameters(parameters, grads, moments, 2, 0.01,
                                     OptimizerSettings("adam"))
    np.testing.assert_allclose(new["W1"], [[1.63178673, -0.61919778, -0.53561312],
                                           [-1.08040999, 0.85796626, -2.29409733]], atol=6e-9)
    np.testing.assert_allclose(new["b1"], [[1.75225313], [-0.75376553]], atol=6e-9)
    np.testing.assert_allclose(moments["sW1"], [[0.00121136, 0.00131039, 0.00081287],
                                                [0.0002525, 0.00081154, 0.00046748]],
                               atol=6e-9)


# -- every rule against its transcription, several updates, bit for bit -------------------
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_rule_is_the_notebooks_code(name):
    parameters, _ = notebook_test_case()
    settings = OptimizerSettings(name, beta=0.8, beta1=0.85, beta2=0.99, epsilon=1e-7)
    ours, moments = parameters, initialize_moments(parameters, name)
    theirs, v, s = parameters, initialize_velocity(parameters), initialize_velocity(parameters)
    rng = np.random.RandomState(7)
    for t in range(1, 6):
        grads = {f"d{key}": rng.randn(*value.shape) for key, value in parameters.items()}
        ours, moments = update_parameters(ours, grads, moments, t, 0.02, settings)
        if name == "gd":
            theirs = update_parameters_with_gd(theirs, grads, 0.02)
        elif name == "momentum":
            theirs, v = update_parameters_with_momentum(theirs, grads, v, 0.8, 0.02)
        elif name == "rmsprop":
            theirs, s = update_parameters_with_rmsprop(theirs, grads, s, 0.99, 0.02, 1e-7)
        else:
            theirs, v, s = update_parameters_with_adam(theirs, grads, v, s, t, 0.02, 0.85,
                                                       0.99, 1e-7)
    for key in parameters:
        assert np.array_equal(ours[key], theirs[key]), key
    for kind, theirs_moments in (("v", v), ("s", s)):
        if kind in OPTIMIZERS[name].moments:
            ours_moments = as_notebook(moments, kind)
            assert ours_moments.keys() == theirs_moments.keys() and ours_moments
            assert all(np.array_equal(a, theirs_moments[k]) for k, a in ours_moments.items())


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_rule_uses_exactly_the_settings_it_lists(name):
    """``Optimizer.settings`` decides which βs and ε the controls show and the summary
    prints: changing a listed one changes the update, changing any other does not."""
    parameters, grads = notebook_test_case()

    def updated(**changes):
        settings = OptimizerSettings(name, **changes)
        moments = initialize_moments(parameters, name)
        for t in (1, 2):
            out, moments = update_parameters(parameters, grads, moments, t, 0.1, settings)
        return out

    base = updated()
    for field, other in (("beta", 0.5), ("beta1", 0.5), ("beta2", 0.5), ("epsilon", 1e-2)):
        moved = updated(**{field: other})
        same = all(np.array_equal(moved[k], base[k]) for k in base)
        assert same == (field not in OPTIMIZERS[name].settings), field
    assert set(SETTING_SYMBOLS) == {"beta", "beta1", "beta2", "epsilon"}


def test_moments_start_at_zero_under_the_parameters_names():
    parameters, _ = notebook_test_case()
    assert initialize_moments(parameters, "gd") == {}
    adam = initialize_moments(parameters, "adam")
    assert list(adam) == ["vW1", "vb1", "vW2", "vb2", "sW1", "sb1", "sW2", "sb2"]
    assert all(not value.any() and value.shape == parameters[key[1:]].shape
               for key, value in adam.items())
    assert moment_keys(parameters, "rmsprop") == ("sW1", "sb1", "sW2", "sb2")


def test_update_changes_nothing_in_place():
    parameters, grads = notebook_test_case()
    before = {k: v.copy() for k, v in parameters.items()}
    moments = initialize_moments(parameters, "adam")
    update_parameters(parameters, grads, moments, 1, 0.1, OptimizerSettings("adam"))
    assert all(np.array_equal(parameters[k], before[k]) for k in before)
    assert not any(value.any() for value in moments.values())


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "sgd", "unknown optimizer"), ("beta", 1.0, "beta"), ("beta1", -0.1, "beta1"),
    ("beta2", float("nan"), "beta2"), ("epsilon", 0.0, "epsilon")])
def test_bad_settings_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        OptimizerSettings(**{field: value})


# -- decay ---------------------------------------------------------------------------
def test_decay_is_the_notebooks_update_lr_and_schedule_lr_decay():
    assert Decay(1).learning_rate(0.5, 2) == update_lr(0.5, 2, 1) == pytest.approx(1 / 6)
    scheduled = Decay(0.3, interval=100)
    assert scheduled.learning_rate(0.5, 10) == 0.5
    assert scheduled.learning_rate(0.5, 100) == pytest.approx(0.3846153846153846, rel=1e-15)
    for epoch_num in (0, 1, 99, 100, 250, 1000):
        assert scheduled.learning_rate(0.5, epoch_num) == schedule_lr_decay(0.5, epoch_num,
                                                                            0.3, 100)
        assert Decay(0.7).learning_rate(0.1, epoch_num) == update_lr(0.1, epoch_num, 0.7)


def test_each_epoch_trains_with_the_rate_the_notebooks_model_loop_sets():
    """model(): for i in range(num_epochs): <train with learning_rate>; then
    learning_rate = decay(learning_rate0, i, decay_rate)."""
    decay, learning_rate0 = Decay(0.5), 0.1
    learning_rate, used = learning_rate0, []
    for i in range(6):
        used.append(learning_rate)
        learning_rate = update_lr(learning_rate0, i, 0.5)
    assert [decay.learning_rate_in_epoch(learning_rate0, e) for e in range(1, 7)] == used


def test_no_decay_leaves_the_rate_bit_for_bit():
    assert Decay().learning_rate_in_epoch(0.0123456789, 1000) == 0.0123456789


@pytest.mark.parametrize(("rate", "interval"), [(-0.1, None), (float("inf"), None), (1, 0)])
def test_bad_decays_are_refused(rate, interval):
    with pytest.raises(ValueError, match="decay"):
        Decay(rate, interval)
