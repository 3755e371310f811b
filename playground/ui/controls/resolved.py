"""The values the panel shows for a RunConfig, with its ``None`` fields resolved.

RunConfig stores ``None`` for "the dataset's default" (samples, noise, classes, data seed,
output, loss), and the panel keeps it so: ``set_config(c)`` then ``config()`` gives ``c``
back. The widgets, though, show the value ``None`` stands for. ``resolve`` works those
values out once per change, so every group shows — and compares edits with — the same.
A CSV source has no generator spec: its task and class count come from its labels,
which the main window reads and hands to ``ControlPanel.set_csv_source``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.datasets import DATASETS, DatasetSpec
from playground.core.objectives import DEFAULT_LOSS, DEFAULT_OUTPUT, OBJECTIVES, Objective
from playground.session.config import RunConfig


@dataclass(frozen=True)
class Resolved:
    """What the panel shows for one RunConfig and what is known of a CSV's labels.

    ``spec``, ``samples`` and ``noise`` are None when a CSV file is the source; ``classes``,
    ``task`` and ``objective`` are None while they are unknown (a CSV not yet described).
    """

    spec: DatasetSpec | None
    classes: int | None
    samples: int | None
    noise: float | None
    data_seed: int
    task: str | None
    objective: Objective | None
    plane: bool = True                  # the data's points are (x1, x2): features apply


def objective_for(config: RunConfig, task: str | None) -> Objective | None:
    """Return the (output, loss) pair ``config`` uses for ``task``, or None if unknown."""
    output = config.output or (DEFAULT_OUTPUT[task] if task else None)
    if output is None:
        return None
    loss = config.loss or DEFAULT_LOSS.get(output)
    return OBJECTIVES.get((output, loss))


def resolve(config: RunConfig, csv_task: str | None = None,
            csv_classes: int | None = None) -> Resolved:
    """Return the values ``config`` stands for; ``csv_*`` describe a CSV source's labels."""
    if config.data_path is not None:
        spec, samples, noise = None, None, None
        classes = csv_classes
        task = csv_task
        if task is None:
            objective = objective_for(config, None)
            task = None if objective is None else objective.task
        default_seed = 0
    else:
        spec = DATASETS[config.dataset]
        classes = spec.default_classes if config.classes is None else config.classes
        samples = spec.default_samples if config.samples is None else config.samples
        noise = spec.default_noise if config.noise is None else config.noise
        task = spec.task_for(classes)
        default_seed = spec.default_seed
    data_seed = default_seed if config.data_seed is None else config.data_seed
    return Resolved(spec, classes, samples, noise, data_seed, task, objective_for(config, task),
                    plane=spec is not None and spec.inputs == 2)
