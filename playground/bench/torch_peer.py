"""The PyTorch peer of the benchmarks: the same tanh network, trained one thread."""

from __future__ import annotations

from typing import Any

from playground.core.datasets import Dataset


def torch_net(hidden: tuple[int, ...], data: Dataset, learning_rate: float, seed: int
              ) -> tuple[Any, Any, Any, Any, Any]:
    """Return (model, x, y, loss, optimizer): tanh hidden layers and one output logit in
    float64, its examples as rows (x (m, 2), y (m, 1)), the sigmoid cross-entropy on the
    logit, and plain SGD at ``learning_rate``; one thread, weights drawn from ``seed``."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    dims = (2, *hidden, 1)
    layers: list = []
    for n_prev, n in zip(dims, dims[1:]):
        layers += [torch.nn.Linear(n_prev, n, dtype=torch.float64), torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])
    x, y = torch.from_numpy(data.X.T.copy()), torch.from_numpy(data.Y.T.copy())
    return (model, x, y, torch.nn.BCEWithLogitsLoss(),
            torch.optim.SGD(model.parameters(), lr=learning_rate))
