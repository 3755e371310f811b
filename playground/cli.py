"""The command line: the same engine, scriptable.

    playground train      train a network headless, print the course-style log or JSON
    playground gradcheck  compare backprop with two-sided differences
    playground bench      training speed beside NumPy, scikit-learn and PyTorch; --gui
                          measures the window while it trains

Exit codes: 0 ok; 1 gradient check failed; 2 bad arguments or input (one line on
stderr, nothing written); 3 training diverged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn

from playground.bench.engine import WARM_UP_STEPS
from playground.core.activations import ACTIVATIONS
from playground.core.datasets import DATASETS
from playground.core.gradcheck import gradient_check
from playground.core.initialization import INITS
from playground.core.network import Architecture
from playground.core.npz import ModelFileError, SavedModel, load_model, save_model
from playground.core.objectives import LOSSES, OUTPUTS
from playground.session.config import RunConfig, architecture_for, load_data
from playground.session.lessons import lesson, lessons
from playground.session.trainer import Trainer

# --json keys of the per-layer histories (rows [iteration, layer 1, layer 2, …]) and the
# LayerReadings field each one records.
LAYER_SERIES = {"unit_spread_history": "unit_spread", "grad_norm_history": "grad_norm",
                "grad_ratio_history": "grad_ratio", "dead_fraction": "dead_fraction",
                "saturated_fraction": "saturated_fraction"}
EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED = 0, 1, 2, 3
GRADCHECK_OK, GRADCHECK_BUG = 1e-7, 1e-3


class UsageError(Exception):
    """Bad arguments or input: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _network_options(p: argparse.ArgumentParser) -> None:
    data = p.add_argument_group("data")
    data.add_argument("--dataset", choices=list(DATASETS), metavar="NAME",
                      help=f"generated dataset: {', '.join(DATASETS)} (default: flower)")
    data.add_argument("--data", metavar="TRAIN.csv",
                      help="CSV file: one example per row, features then a label column")
    data.add_argument("--test-data", metavar="TEST.csv", help="separate test CSV file")
    data.add_argument("--samples", type=int, metavar="N", help="number of examples m")
    data.add_argument("--noise", type=float, metavar="F", help="noise of a generated dataset")
    data.add_argument("--data-seed", type=int, metavar="N",
                      help="seed of the generated data (flower: 1, as in the course)")
    data.add_argument("--classes", type=int, metavar="K",
                      help="number of classes for gaussians (k ≥ 2) and spiral (2 or 3)")
    data.add_argument("--test-fraction", type=float, metavar="F",
                      help="share of examples held out as a test set (default 0)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", metavar="SIZES",
                     help='hidden layer sizes, e.g. "4" or "4,3"; "" for none (default: 4)')
    net.add_argument("--activation", metavar="NAMES",
                     help=f"one for all hidden layers or one per layer, comma separated: "
                          f"{', '.join(ACTIVATIONS)} (default: tanh)")
    net.add_argument("--output", choices=list(OUTPUTS),
                     help="output layer (default: follows the data)")
    net.add_argument("--loss", choices=list(LOSSES),
                     help="loss (default: cross-entropy, or mse for regression)")
    net.add_argument("--init", choices=list(INITS), help="initialisation (default: random)")
    net.add_argument("--init-scale", type=float, metavar="F",
                     help="factor for --init random: W = randn × F (default 0.01)")
    net.add_argument("--seed", type=int, metavar="N",
                     help="seed of the initialisation RandomState (default 2)")
    net.add_argument("--load", metavar="IN.npz",
                     help="start from the weights (and network) in this file")
    p.add_argument("--learning-rate", type=float, metavar="F", help="learning rate (default 1.2)")
    p.add_argument("--preset", metavar="NAME",
                   help="start from a lesson's settings (options given as well override "
                        "them): " + ", ".join(lessons()))
    p.add_argument("--json", action="store_true", help="print one JSON object")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``playground train|gradcheck``."""
    parser = _Parser(prog="playground", description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = sub.add_parser("train", help="train a network headless")
    _network_options(train)
    train.add_argument("--iterations", type=int, metavar="N",
                       help="gradient-descent iterations (default 10000, or the preset's; "
                            "0 = only evaluate)")
    train.add_argument("--log-every", type=int, default=1000, metavar="N",
                       help="record the cost every N iterations (default 1000)")
    train.add_argument("--export", metavar="OUT.npz", help="write the trained weights here")
    check = sub.add_parser("gradcheck", help="check backprop against two-sided differences")
    _network_options(check)
    check.add_argument("--iterations", type=int, default=0, metavar="N",
                       help="train this many iterations first (default 0)")
    bench = sub.add_parser("bench", help="measure training speed (and the window's)")
    bench.add_argument("--repeats", type=int, default=5, metavar="N",
                       help="repetitions per contender; the median is reported (default 5)")
    bench.add_argument("--seconds", type=float, metavar="S",
                       help="length of one repetition (default 0.25); with --gui, of each "
                            "measurement (default 5)")
    bench.add_argument("--warm-up", type=int, default=WARM_UP_STEPS, metavar="N",
                       help=f"steps every contender trains before it is timed (default "
                            f"{WARM_UP_STEPS})")
    bench.add_argument("--gui", action="store_true",
                       help="open the real window, train the default lesson and 8-8 and "
                            "64-64 nets, and measure speed in the window, frame rate, "
                            "event-loop lateness, slider latency and start-up time")
    bench.add_argument("--long", action="store_true",
                       help="with --gui: train 10⁶ iterations in the window and report the "
                            "memory growth")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _base_config(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return what the options start from: a preset, a loaded file's network, or defaults."""
    base = lesson(args.preset).config if args.preset else RunConfig()
    if loaded is None:
        return base
    arch = loaded.arch
    return base.replace(hidden_layers=arch.hidden_layers, activations=arch.activations,
                        output=arch.output, loss=arch.loss, init=loaded.init,
                        init_scale=loaded.init_scale or base.init_scale, seed=loaded.seed,
                        learning_rate=loaded.learning_rate or base.learning_rate)


def config_from_args(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return the RunConfig the arguments describe: explicit options override the base
    (a preset's settings, a loaded file's network, or the course defaults)."""
    if args.data and args.dataset:
        raise UsageError("give either --dataset or --data, not both")
    if args.test_data and not args.data:
        raise UsageError("--test-data needs --data")
    if loaded is not None:
        given = [name for name in ("hidden", "activation", "output", "loss")
                 if getattr(args, name) is not None]
        if given:
            raise UsageError(f"--load takes the network from the file; drop --{given[0]}")
    try:
        base = _base_config(args, loaded)
    except ValueError as error:
        raise UsageError(str(error)) from None
    changes: dict[str, Any] = {}
    if args.dataset or args.data:
        changes.update(dataset=args.dataset or base.dataset, data_path=args.data,
                       test_data_path=args.test_data, samples=None, noise=None,
                       data_seed=None, classes=None, output=None, loss=None)
    hidden = base.hidden_layers
    if args.hidden is not None:
        try:
            hidden = tuple(int(n) for n in _split_list(args.hidden))
        except ValueError:
            raise UsageError(f"--hidden must be comma-separated integers, "
                             f"got {args.hidden!r}") from None
        changes["hidden_layers"] = hidden
    if args.activation is not None or args.hidden is not None:
        names = (_split_list(args.activation) if args.activation is not None
                 else list(base.activations[:1] or ["tanh"]))
        changes["activations"] = tuple(names * len(hidden) if len(names) == 1 else names)
    for option, field in (("samples", "samples"), ("noise", "noise"),
                          ("data_seed", "data_seed"), ("classes", "classes"),
                          ("test_fraction", "test_fraction"), ("output", "output"),
                          ("loss", "loss"), ("init", "init"), ("init_scale", "init_scale"),
                          ("seed", "seed"), ("learning_rate", "learning_rate")):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    try:
        return base.replace(**changes)
    except ValueError as error:
        raise UsageError(str(error)) from None


def trainer_from_args(args: argparse.Namespace) -> tuple[Trainer, RunConfig]:
    """Return a Trainer at the loaded or freshly initialised parameters."""
    loaded = None
    if args.load:
        try:
            loaded = load_model(args.load)
        except ModelFileError as error:
            raise UsageError(str(error)) from None
    config = config_from_args(args, loaded)
    try:
        train, test = load_data(config)
        arch = architecture_for(config, train)
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from None
    if loaded is not None and arch != loaded.arch:
        raise UsageError(f"{args.load} is a {_describe(loaded.arch)} network but the data "
                         f"needs {_describe(arch)}")
    trainer = Trainer(arch, train, test, init=config.init, init_scale=config.init_scale,
                      seed=config.seed, learning_rate=config.learning_rate,
                      parameters=loaded.parameters if loaded else None,
                      iteration=loaded.iteration if loaded else 0)
    return trainer, config


def _describe(arch: Architecture) -> str:
    sizes = "-".join(str(n) for n in arch.layer_dims)
    return f"{sizes} ({arch.output} output)"


def _known_preset(args: argparse.Namespace) -> bool:
    return bool(args.preset) and args.preset in lessons()


def _check_count(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise UsageError(f"--{name} must be at least {minimum}, got {value}")


def run_train(args: argparse.Namespace) -> int:
    """Train as the arguments say; print the log or JSON; return the exit code."""
    if args.iterations is None:
        args.iterations = lesson(args.preset).iterations if _known_preset(args) else 10000
    _check_count("iterations", args.iterations, 0)
    _check_count("log-every", args.log_every, 1)
    trainer, config = trainer_from_args(args)
    start_iteration = trainer.iteration
    target = start_iteration + args.iterations
    history: list[list[float]] = []
    layers: dict[str, list[list[float]]] = {name: [] for name in LAYER_SERIES}
    started = time.perf_counter()
    while True:
        i = trainer.iteration
        if (i - start_iteration) % args.log_every == 0:
            history.append([i, trainer.cost()])
            readings = trainer.readings()
            for name, key in LAYER_SERIES.items():
                layers[name].append([i, *getattr(readings, key)])
            if not args.json:
                print(f"Cost after iteration {i}: {_number(trainer.cost())}")
        if i >= target or trainer.diverged:
            break
        next_log = i + args.log_every - (i - start_iteration) % args.log_every
        trainer.run(min(next_log, target) - i)
    elapsed = time.perf_counter() - started
    steps = trainer.iteration - start_iteration
    if args.export:
        model = SavedModel(trainer.arch, trainer.parameters, init=config.init,
                           init_scale=config.init_scale, seed=config.seed,
                           learning_rate=trainer.learning_rate, iteration=trainer.iteration,
                           cost_history=trainer.cost_history(),
                           dataset=config.data_path or config.dataset)
        try:
            save_model(args.export, model)
        except (OSError, ValueError) as error:
            raise UsageError(str(error)) from None
    report = {
        "iterations": trainer.iteration,
        "history": history,
        "final_cost": trainer.cost(),
        "test_cost": trainer.test_cost(),
        "train_accuracy": trainer.train_accuracy(),
        "test_accuracy": trainer.test_accuracy(),
        "unit_spread": trainer.unit_spreads(),
        "grad_norms": trainer.gradient_norms(),
        "diverged": trainer.diverged,
        "stop_reason": trainer.divergence.message if trainer.divergence else
        ("evaluated only" if args.iterations == 0 else "finished the iterations"),
        "layer_sizes": list(trainer.arch.layer_dims),
        "steps_per_second": steps / elapsed if steps and elapsed > 0 else None,
        **layers,
        "preset": args.preset,
    }
    if args.json:
        print(json.dumps(report))
    else:
        _print_summary(report, trainer)
    return EXIT_DIVERGED if trainer.diverged else EXIT_OK


def _number(value: float) -> str:
    """Return the course's six decimals, or six significant digits for huge values."""
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.6g}"


def _print_summary(report: dict[str, Any], trainer: Trainer) -> None:
    if report["diverged"]:
        print(report["stop_reason"], file=sys.stderr)
    print(f"Final cost (iteration {report['iterations']}): {_number(report['final_cost'])}")
    for name in ("train", "test"):
        value = report[f"{name}_accuracy"]
        if value is not None:
            print(f"{name.capitalize()} accuracy: {100 * value:.2f}%")
    for l, spread in enumerate(report["unit_spread"], start=1):
        note = "  (all units identical: the symmetry was never broken)" if spread == 0 else ""
        print(f"Unit spread of layer {l}: {spread:.6g}{note}")


def run_gradcheck(args: argparse.Namespace) -> int:
    """Run the gradient check; print the verdict or JSON; return the exit code."""
    _check_count("iterations", args.iterations, 0)
    trainer, _ = trainer_from_args(args)
    trainer.run(args.iterations)
    result = gradient_check(trainer.parameters, trainer.train.X, trainer.train.Y, trainer.arch)
    verdict = ("correct" if result.difference < GRADCHECK_OK else
               "suspicious" if result.difference < GRADCHECK_BUG else "wrong")
    if args.json:
        print(json.dumps({"difference": result.difference,
                          "layer_differences": list(result.layer_differences),
                          "epsilon": result.epsilon, "verdict": verdict,
                          "layer_sizes": list(trainer.arch.layer_dims),
                          "iteration": trainer.iteration}))
    else:
        print(f"Gradient check (ε = {result.epsilon:g}): difference = {result.difference:.3e}"
              f"  → backprop looks {verdict}")
        for l, d in enumerate(result.layer_differences, start=1):
            print(f"  layer {l}: {d:.3e}")
    return EXIT_CHECK_FAILED if verdict == "wrong" else EXIT_OK


def run_bench(args: argparse.Namespace) -> int:
    _check_count("repeats", args.repeats, 1)
    _check_count("warm-up", args.warm_up, 0)
    seconds = args.seconds if args.seconds is not None else (5.0 if args.gui else 0.25)
    if not 0 < seconds <= 600:
        raise UsageError(f"--seconds must be in (0, 600], got {seconds:g}")
    if args.long and not args.gui:
        raise UsageError("--long measures the window: use it with --gui")
    progress = None if args.json else (lambda text: print(text, file=sys.stderr))
    if args.gui:
        from playground.app import display_problem
        from playground.bench.window import format_gui_report, run_gui_bench
        problem = display_problem()
        if problem:
            raise UsageError(f"--gui needs a display ({problem}); "
                             "QT_QPA_PLATFORM=offscreen measures without one")
        report = run_gui_bench(seconds=seconds, long=args.long, progress=progress)
        print(json.dumps(report, indent=2) if args.json else format_gui_report(report))
        return EXIT_OK
    from playground.bench.engine import format_report
    from playground.bench.engine import run_bench as measure
    report = measure(repeats=args.repeats, seconds=seconds, warm_up=args.warm_up,
                     progress=progress)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return EXIT_OK


COMMANDS = {"train": run_train, "gradcheck": run_gradcheck, "bench": run_bench}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; return its exit code. Bad input: one line on stderr, exit 2."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"playground: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
