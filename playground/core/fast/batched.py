"""The course-2 training engine: ``core/training.py``'s loop, computed into buffers made once.

Mini-batches, any rule of ``core/optimizers.py``, learning-rate decay, L2/L1 penalties
and inverted dropout, in the order of the readable loop, which the tests hold it to.
Per update it makes one gather and replays recorded NumPy calls (``calls.py``):

    gather     the next mini-batch's columns of [Y; X] into its pass's buffer (np.take)
    masks      D[l] = rand(n[l], b) < keep_prob, from the run's generator (dropout only)
    pass       forward → backward over b columns (``batch_pass.py``)
    gradient   d = G / b, plus the penalties (``update_kernels.py``)
    rule       θ −= …, with the rule's moments (``update_kernels.py``)

Two passes share the flat parameter array: one for the complete mini-batches of B
columns, one for the last, shorter one (m mod B columns, when B ∤ m). A third, forward
only, evaluates the whole training set (``full_cost``, ``full_cache``).

Without a penalty, gradient descent skips d and updates θ −= (α/b)·G, ``Engine``'s own
form: so with B = m, gd, no decay, no penalty and no dropout this engine computes what
``Engine`` computes, bit for bit (tested). The other rules compute the readable
formulas operation for operation; results agree with the readable loop to rounding.

Counters: ``updates`` made; ``epoch`` epochs completed (the next update belongs to epoch
``epoch + 1``) and ``position`` updates made within it; ``optimizer_steps`` is the rule's
t, the updates since its moments were last zeroed. Everything an update draws is drawn
once, when the update's mini-batch is *prepared* (by ``forward``, ``batch_cost`` or
``steps``): asking for the next mini-batch's cost twice draws nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from playground.core.fast.batch_pass import BatchPass
from playground.core.fast.calls import Calls
from playground.core.fast.engine import _flat_views, _split
from playground.core.fast.update_kernels import (
    PENALTY_KERNELS,
    RULE_KERNELS,
    Knobs,
    gradient_into,
    scaled_gd_into,
)
from playground.core.generator import generator_arrays, restore_generator
from playground.core.network import Architecture, Cache, Parameters, check_data
from playground.core.optimizers import OPTIMIZERS, moment_keys
from playground.core.regularization import regularization_cost
from playground.core.training import TrainingOptions


@dataclass(frozen=True)
class EngineState:
    """A copy of everything ``BatchedEngine.restore`` needs to go back: the flat arrays,
    the counters, the epoch's permutation, the generator's state and a prepared batch."""

    arrays: tuple[np.ndarray, ...]      # Wb_all, m_dWb_all, d_all, v_all, s_all
    counters: tuple[int, int, int, int]  # updates, optimizer_steps, epoch, position
    permutation: np.ndarray | None
    rng_state: tuple | None
    prepared: bool
    masks: tuple[np.ndarray, ...]
    last: int                           # which pass made the last forward pass


@dataclass(eq=False)
class _Program:
    """One pass (its forward: ``batch.forward``) and the calls recorded over it: its
    backward (followed by the gradient d, unless the rule scales the backward's sum
    itself), its update rule, and all of them in one list for ``steps``."""

    batch: BatchPass
    backward: Calls
    rule: Calls
    train: Calls
    rate: np.ndarray                    # α / b, for the penalty-free gd rule
    penalty_masks: dict[str, np.ndarray]    # λ / b where θ is a weight, 0 at a bias


class BatchedEngine:
    """Course-2 training of ``arch`` on X (n_x, m), Y (n_y, m), with ``options``.

    ``rng`` is the run's generator (RandomState): it draws dropout masks, and shuffles
    when ``options.shuffle_seed`` is None; it is not needed otherwise.
    """

    def __init__(self, arch: Architecture, X: np.ndarray, Y: np.ndarray,
                 options: TrainingOptions | None = None,
                 rng: np.random.RandomState | None = None) -> None:
        check_data(X, arch, Y)
        self.arch, self.m, self.rng = arch, X.shape[1], rng
        self._XY = np.ascontiguousarray(np.vstack([np.asarray(Y, float), np.asarray(X, float)]))
        dims = arch.layer_dims
        shapes = [(n, n_prev + 1) for n_prev, n in zip(dims, dims[1:])]
        self.Wb_all, self._Wbs = _flat_views(shapes)
        self.m_dWb_all, self._m_dWbs = _flat_views(shapes)
        self.d_all, self._ds = _flat_views(shapes)
        self.v_all, self._vs = _flat_views(shapes)
        self.s_all, self._ss = _flat_views(shapes)
        self._w1, self._w2 = np.zeros_like(self.Wb_all), np.zeros_like(self.Wb_all)
        self._weight_mask, masks = _flat_views(shapes)
        for mask in masks:
            mask[:, :-1] = 1.0                          # 1 at a weight, 0 at a bias
        self._knobs = Knobs.make()
        self._keep_prob = np.array(1.0)
        self._base_rate: float | None = None
        self.updates = self.optimizer_steps = self.epoch = self.position = 0
        self._permutation: np.ndarray | None = None
        self._prepared = False
        self._evaluation: BatchPass | None = None
        self.options = TrainingOptions() if options is None else options
        self._build()

    # -- options ----------------------------------------------------------------------
    def set_options(self, options: TrainingOptions) -> None:
        """Train with ``options`` from the next update on; parameters are kept.

        A new batch size or shuffle seed starts a fresh epoch (the current one's
        remaining mini-batches are skipped); a new rule, batch size or shuffle seed
        zeroes the rule's moments and t. α, β's, ε, decay, λ and keep_prob just change.
        Raises ValueError (and changes nothing) for options this training set refuses.
        """
        self._check(options)
        old, self.options = self.options, options
        if options.batching(self.m) != old.batching(self.m):
            self.position, self._permutation = 0, None
            self.reset_optimizer()
        elif options.optimizer.name != old.optimizer.name:
            self.reset_optimizer()
        self._build()

    def reset_optimizer(self) -> None:
        """Zero the rule's moments and its t (the weights are kept)."""
        self.v_all[...] = 0.0
        self.s_all[...] = 0.0
        self.optimizer_steps = 0

    def restart(self, rng: np.random.RandomState | None = None) -> None:
        """Start the run again at update 0, epoch 1, with zero moments and the parameters
        as they are (load new ones before or after); ``rng`` replaces the generator."""
        if rng is not None:
            self.rng = rng
        self._check(self.options)
        self.reset_optimizer()
        self.updates = self.epoch = self.position = 0
        self._permutation, self._prepared = None, False
        self._write_rates()

    def _check(self, options: TrainingOptions) -> None:
        """Raise ValueError if ``options`` cannot train on this training set."""
        options.batching(self.m)
        if options.uses_generator(self.m) and self.rng is None:
            raise ValueError("dropout, and shuffling without a shuffle seed, draw from the "
                             "run's generator: pass rng")

    def _build(self) -> None:
        """Make the passes and record their calls for the current options."""
        options = self.options
        self._check(options)
        self.batching = options.batching(self.m)
        regularization = options.regularization
        self._keep_prob[...] = regularization.keep_prob
        keep_prob = self._keep_prob if regularization.dropout else None
        self._knobs.write(options.optimizer)
        self._adam = options.optimizer.name == "adam"
        self._scaled = options.optimizer.name == "gd" and not regularization.penalized
        self._decays = options.decay.rate > 0
        batching = self.batching                # its numbers, read at every update:
        self._full_batch, self._batch_size = batching.full_batch, batching.batch_size
        self._complete, self._batches = batching.complete_batches, batching.batches_per_epoch
        sizes = [batching.batch_size] + ([batching.remainder] if batching.remainder else [])
        self._programs = [self._program(BatchPass(self.arch, b, self._Wbs, self._m_dWbs,
                                                  keep_prob)) for b in sizes]
        self._last = self._programs[0]          # of the last forward pass
        if batching.full_batch:
            self._programs[0].batch.rows[...] = self._XY
        self._evaluation = None
        self._prepared = False
        # Nothing to prepare and nothing that changes between updates: ``steps`` can
        # replay one list n times (as ``Engine`` does).
        self._plain_loop = (self.batching.full_batch and not regularization.dropout
                            and not self._decays and not self._adam)
        self._write_rates()

    def _program(self, batch: BatchPass) -> _Program:
        """Record the update over ``batch``: its passes, the gradient d and the rule."""
        options, b = self.options, batch.b
        penalties = options.regularization.penalties()
        program = _Program(batch, Calls(batch.backward), Calls(), Calls(),
                           rate=np.array(0.0),
                           penalty_masks={penalty.name: self._weight_mask * (lambd / b)
                                          for penalty, lambd in penalties})
        P, G, d, w1, w2 = self.Wb_all, self.m_dWb_all, self.d_all, self._w1, self._w2
        if self._scaled:
            scaled_gd_into(program.rule, P, G, program.rate, w1)
        else:
            gradient_into(program.backward, G, np.array(float(b)), d)
            for penalty, _ in penalties:
                PENALTY_KERNELS[penalty.name](program.backward, P, d,
                                              program.penalty_masks[penalty.name], w1)
            RULE_KERNELS[options.optimizer.name](program.rule, P, d, self.v_all, self.s_all,
                                                 w1, w2, self._knobs)
        program.train.extend([*batch.forward, *program.backward, *program.rule])
        return program

    def _write_rates(self) -> None:
        """Write α for epoch ``epoch + 1`` (decayed) and each pass's α / b."""
        if self._base_rate is None:
            return
        rate = self.options.decay.learning_rate_in_epoch(self._base_rate, self.epoch + 1)
        self._knobs.learning_rate[...] = rate
        for program in self._programs:
            program.rate[...] = rate / program.batch.b

    def _use_base_rate(self, learning_rate: float) -> None:
        if learning_rate != self._base_rate:
            self._base_rate = learning_rate
            self._write_rates()

    @property
    def updates_left_in_epoch(self) -> int:
        """Return how many updates finish the current epoch (⌈m/B⌉ at its start)."""
        return self._batches - self.position

    def learning_rate(self, learning_rate: float) -> float:
        """Return the α the next update uses when the base rate α₀ is ``learning_rate``."""
        return self.options.decay.learning_rate_in_epoch(learning_rate, self.epoch + 1)

    # -- parameters and moments in and out ----------------------------------------------
    def load(self, parameters: Parameters) -> None:
        """Copy {W1, b1, …} into the engine's buffers (the moments are left as they are)."""
        for key, view in self.parameters().items():
            view[...] = parameters[key]

    def parameters(self) -> Parameters:
        """Return {W1, b1, …} as views of the live buffers."""
        return _split(self._Wbs, "")

    def moments(self) -> dict[str, np.ndarray]:
        """Return the rule's moments {vW1, vb1, …, sW1, …} as views (none for gd)."""
        flat = {"v": _split(self._vs, ""), "s": _split(self._ss, "")}
        return {name: flat[name[0]][name[1:]]
                for name in moment_keys(self.parameters(), self.options.optimizer.name)}

    def load_moments(self, moments: dict[str, np.ndarray]) -> None:
        """Copy moments {vW1, …} (as ``moments`` names them) into the engine."""
        for name, view in self.moments().items():
            view[...] = moments[name]

    def gradients(self) -> dict[str, np.ndarray]:
        """Return {dW1, db1, …} of the last backward pass, penalties included (new arrays)."""
        if self._scaled:
            return _split([G / self._last.batch.b for G in self._m_dWbs], "d")
        return _split([dWb.copy() for dWb in self._ds], "d")

    def cache(self) -> Cache:
        """Return the last training forward pass's Z[l], A[l] (views; A[0] is the
        mini-batch's X{k}) and dropout masks, as ``network.forward`` does."""
        return self._last.batch.cache()

    def finite(self) -> bool:
        """Return True if every parameter and every moment the rule keeps is finite."""
        moments = OPTIMIZERS[self.options.optimizer.name].moments
        return bool(np.isfinite(self.Wb_all).all()
                    and all(np.isfinite(self.v_all if letter == "v" else self.s_all).all()
                            for letter in moments))

    # -- one update: prepare → forward → backward → update --------------------------------
    @property
    def _program_now(self) -> _Program:
        """The program of the mini-batch at ``position``."""
        return self._programs[self.position >= self._complete]

    def _prepare(self) -> None:
        """Gather the next update's mini-batch and draw its masks, once."""
        self._prepare_columns()
        batch = self._program_now.batch
        if batch.masks:
            batch.draw_masks(self.rng)
        self._prepared = True

    def _prepare_columns(self) -> None:
        """Gather the columns of the mini-batch at ``position`` (shuffling first when the
        epoch starts); a full batch is in its buffer already."""
        if self._full_batch:
            return
        if self._permutation is None:
            self._permutation = self.batching.permutation(self.epoch + 1, self.rng)
        batch = self._program_now.batch
        start = self.position * self._batch_size
        self._XY.take(self._permutation[start:start + batch.b], 1, batch.rows, "wrap")

    def _advance(self) -> None:
        """Count the update just made; at the end of an epoch, start the next one."""
        self.updates += 1
        self.position += 1
        self._prepared = False
        if self.position == self._batches:
            self.position, self._permutation = 0, None
            self.epoch += 1
            if self._decays:
                self._write_rates()

    def _count_step(self) -> None:
        """t += 1 for the rule, with Adam's bias corrections for the new t."""
        self.optimizer_steps += 1
        if self._adam:
            self._knobs.write_bias_corrections(self.options.optimizer, self.optimizer_steps)

    def forward(self) -> None:
        """Run the forward pass of the next update's mini-batch (preparing it if needed)."""
        if not self._prepared:
            self._prepare()
        self._last = self._program_now
        self._last.batch.forward.run()

    def cost(self) -> float:
        """Return J of the last forward pass, with the penalties for its b columns."""
        batch = self._last.batch
        return batch.cost() + regularization_cost(self.parameters(), self.arch.L, batch.b,
                                                  self.options.regularization)

    def batch_cost(self) -> float:
        """Return the cost (with penalties) of the mini-batch the next update uses, with
        the current parameters: what the cost history records for this iteration."""
        self.forward()
        return self.cost()

    def backward(self) -> None:
        """Run the backward pass of the last forward pass, and the gradient d."""
        self._last.backward.run()

    def update(self, learning_rate: float) -> None:
        """Apply the rule with base rate α₀ = ``learning_rate`` (decayed for the epoch)."""
        self._use_base_rate(learning_rate)
        self._count_step()
        self._program_now.rule.run()
        self._advance()

    def steps(self, n: int, learning_rate: float) -> None:
        """Make ``n`` updates (prepare → forward → backward → gradient → rule each), with
        base rate α₀ = ``learning_rate``."""
        self._use_base_rate(learning_rate)
        if n < 1:
            return
        if self._plain_loop:
            train = self._programs[0].train.run
            for _ in range(n):
                train()
            self.updates += n
            self.optimizer_steps += n
            self.epoch += n
            self._prepared = False
            self._last = self._programs[0]
            return
        self._run_updates(n)

    def _run_updates(self, n: int) -> None:
        """``steps`` past the plain loop: per update ``_prepare``, ``_count_step``, the
        recorded calls and ``_advance``, written out (for a small net, method calls per
        update cost as much as its arithmetic)."""
        programs, complete, batches = self._programs, self._complete, self._batches
        B, take, adam, full = self._batch_size, self._XY.take, self._adam, self._full_batch
        for _ in range(n):
            position = self.position
            program = programs[position >= complete]
            if not self._prepared:
                if not full:
                    if self._permutation is None:
                        self._permutation = self.batching.permutation(self.epoch + 1,
                                                                      self.rng)
                    start = position * B
                    take(self._permutation[start:start + program.batch.b], 1,
                         program.batch.rows, "wrap")
                if program.batch.masks:
                    program.batch.draw_masks(self.rng)
            self.optimizer_steps += 1
            if adam:
                self._knobs.write_bias_corrections(self.options.optimizer, self.optimizer_steps)
            program.train.run()
            self.updates += 1
            self._prepared = False
            self.position = position + 1
            if position + 1 == batches:
                self.position, self._permutation = 0, None
                self.epoch += 1
                if self._decays:
                    self._write_rates()
        self._last = program

    # -- the whole training set -----------------------------------------------------------
    def _evaluation_pass(self) -> BatchPass:
        """The forward pass over all m columns in their own order, without dropout: the
        training pass itself for a full batch without dropout, else one made on first use."""
        if self._evaluation is None:
            first = self._programs[0].batch
            if self.batching.full_batch and not first.masks:
                self._evaluation = first
            else:
                self._evaluation = BatchPass(self.arch, self.m, self._Wbs, None)
                self._evaluation.rows[...] = self._XY
        return self._evaluation

    def full_cache(self) -> Cache:
        """Run a forward pass over the whole training set (no dropout) and return its
        cache (views; A[L] is the output for accuracy)."""
        evaluation = self._evaluation_pass()
        evaluation.forward.run()
        return evaluation.cache()

    def full_cost(self, run_forward: bool = True) -> float:
        """Return J over the whole training set with the penalties for m columns, without
        dropout: the cost recorded after each epoch. ``run_forward`` False reuses the pass
        of the last ``full_cache`` (same parameters: no second pass for an accuracy)."""
        if run_forward:
            self.full_cache()
        return self._evaluation_pass().cost() + regularization_cost(
            self.parameters(), self.arch.L, self.m, self.options.regularization)

    # -- going back ---------------------------------------------------------------------
    def save(self) -> EngineState:
        """Return a copy of the state, for ``restore`` (with the same options)."""
        prepared_masks = self._program_now.batch.masks if self._prepared else ()
        return EngineState(
            arrays=tuple(a.copy() for a in (self.Wb_all, self.m_dWb_all, self.d_all,
                                            self.v_all, self.s_all)),
            counters=(self.updates, self.optimizer_steps, self.epoch, self.position),
            permutation=self._permutation,          # replaced each epoch, never written
            rng_state=self.rng.get_state() if self._draws else None,
            prepared=self._prepared, masks=tuple(D.copy() for D in prepared_masks),
            last=self._programs.index(self._last))

    def restore(self, state: EngineState) -> None:
        """Put the engine back where it stood at ``save``: the next updates then repeat
        what followed it, bit for bit."""
        for target, saved in zip((self.Wb_all, self.m_dWb_all, self.d_all, self.v_all,
                                  self.s_all), state.arrays):
            np.copyto(target, saved)
        self.updates, self.optimizer_steps, self.epoch, self.position = state.counters
        self._permutation = state.permutation
        self._last = self._programs[state.last]
        if state.rng_state is not None:
            self.rng.set_state(state.rng_state)
        self._prepare_again(state.masks if state.prepared else None)

    def _prepare_again(self, masks: Sequence[np.ndarray] | None) -> None:
        """With the counters and permutation back: prepare the mini-batch again that was
        prepared, with its dropout ``masks`` (None: none was), and write the rates."""
        self._prepared = False
        if masks is not None:
            self._prepare_columns()
            for D, saved in zip(self._program_now.batch.masks, masks):
                np.copyto(D, saved)
            self._prepared = True
        self._write_rates()

    @property
    def _draws(self) -> bool:
        return self.options.uses_generator(self.m)

    # -- resuming from a file -----------------------------------------------------------
    def resume_arrays(self) -> dict[str, np.ndarray]:
        """Return, as named arrays for a file, what continuing this run bit for bit needs
        besides the parameters: the moments {vW1, vb1, …, sW1, …}, the counters, the
        generator's state (even when training does not draw from it, so that switching
        dropout or shuffling on after a load draws what the run would have drawn), and
        when there are any, the epoch's permutation and a prepared mini-batch's masks
        {D1, …}."""
        arrays = {name: value.copy() for name, value in self.moments().items()}
        arrays.update(updates=np.array(self.updates), epoch=np.array(self.epoch),
                      optimizer_steps=np.array(self.optimizer_steps),
                      position=np.array(self.position), prepared=np.array(self._prepared))
        if self._permutation is not None:
            arrays["permutation"] = self._permutation.copy()
        arrays.update(generator_arrays(self.rng))
        if self._prepared:
            arrays.update({f"D{l}": D.copy() for l, D in
                           enumerate(self._program_now.batch.masks, start=1)})
        return arrays

    def resume(self, arrays: dict[str, np.ndarray]) -> None:
        """Continue from ``resume_arrays`` of an engine with the same options and
        training set (load the parameters too). ValueError if its epoch position or
        permutation does not fit this training set (it was another one)."""
        if not resume_fits(arrays, self.m, self._batches):
            raise ValueError("the saved epoch position or permutation does not fit "
                             f"{self.m} examples in batches of {self._batch_size}")
        self.load_moments(arrays)
        self.updates, self.epoch, self.optimizer_steps, self.position = (
            int(arrays[key]) for key in ("updates", "epoch", "optimizer_steps", "position"))
        self._permutation = (np.array(arrays["permutation"], dtype=np.int64)
                             if "permutation" in arrays else None)
        if "rng_keys" in arrays:              # files written before it was always kept
            restore_generator(self.rng, arrays)
        layers = len(self._program_now.batch.masks)
        self._prepare_again([arrays[f"D{l}"] for l in range(1, layers + 1)]
                            if bool(arrays["prepared"]) else None)


def resume_fits(arrays: dict[str, np.ndarray], m: int, batches_per_epoch: int) -> bool:
    """True if resume ``arrays``' epoch position and permutation fit m training examples
    in ``batches_per_epoch`` mini-batches (they describe the set they were saved on)."""
    permutation = arrays.get("permutation")
    return (int(arrays["position"]) < batches_per_epoch
            and (permutation is None or len(permutation) == m))
