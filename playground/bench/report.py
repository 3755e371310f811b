"""``playground bench``'s report as text: the speed tables, the floors, the kernel choices."""

from __future__ import annotations

from playground.bench.floor import describe_paths, format_kernels


def _table(rows: list[tuple[str, dict, float | None, str | None]], names: list[str],
           labels: dict[str, str], first: str) -> list[str]:
    """Return a table: a row per case, a column per contender, and ours ÷ fastest peer."""
    widths = [max(10, len(labels[n])) for n in names]
    lines = [f"{first:<17}" + "  ".join(f"{labels[n]:>{w}}" for n, w in zip(names, widths))
             + "  ours ÷ fastest peer"]
    for case, rates, ratio, fastest in rows:
        cells = [f"{rates[n]:>{w},.0f}" if n in rates else f"{'—':>{w}}"
                 for n, w in zip(names, widths)]
        versus = f"{ratio:.2f}× {labels[fastest]}" if ratio else "no peer installed"
        lines.append(f"{case:<17}" + "  ".join(cells) + f"  {versus}")
    return lines


def format_report(report: dict) -> str:
    """Return the report of ``engine.run_bench`` as text."""
    labels, names = report["contenders"], list(report["contenders"])
    lines = ["full-batch gradient descent, flower m = 400: steps/s"]
    lines += _table([(net["net"], net["steps_per_second"], net["ratio"], net["fastest_peer"])
                     for net in report["nets"]], names, labels, "net")
    batch = report.get("minibatch")
    if batch:
        lines += ["", f"mini-batches, flower m = {batch['m']:,}, B = {batch['batch_size']}, "
                      f"α = {batch['learning_rate']:g}: updates/s"]
        lines += _table([(batch["case"], batch["updates_per_second"], batch["ratio"],
                          batch["fastest_peer"])], names, labels, "net")
    lines += ["", "the floor: a step's matrix products alone (forward and backward, every "
                  "contender pays them), timed in the same turns",
              f"{'net':<17}{'products/s':>12}{'step ÷ floor':>14}{'tanh alone/s':>14}  "
              "tanh paths (float64)"]
    for net in report["nets"]:
        lines.append(f"{net['net']:<17}{net['floor_steps_per_second']:>12,.0f}"
                     f"{net['step_per_floor']:>13.2f}×{net['tanh_ceiling']:>14,.0f}  "
                     f"{describe_paths(net['tanh_paths'])}")
    if batch:
        paths = batch["tanh_paths"]
        lines.append(f"{batch['case']:<17}{batch['floor_updates_per_second']:>12,.0f}"
                     f"{batch['update_per_floor']:>13.2f}×{'—':>14}  "
                     f"an update: {describe_paths(paths['update'])}; the epoch's cost: "
                     f"{describe_paths(paths['epoch_cost'])}")
    lines += ["", format_kernels(report["kernels"])]
    m, load = report["machine"], report.get("load_average") or {}
    if load.get("before") and load.get("after"):
        lines.append("\nload average (1, 5, 15 min): " + ", ".join(
            f"{when} {' '.join(f'{v:.2f}' for v in load[when])}" for when in ("before", "after")))
    lines.append(
        f"\nmedian of {report['repeats']} repetitions of ~{report['seconds_per_repeat']:g} s "
        f"per contender, in {report['turns']} turns each, after {report['warm_up_steps']:,} "
        f"warm-up steps; tanh hidden layers, sigmoid output, cross-entropy, float64.\n"
        f"\"tanh alone\": the steps/s the engine's tanh would allow if a step did nothing "
        f"else.\n{m['cpu']} ({m['machine']}, {m['system']}), {m['cores']} cores, "
        f"Python {m['python']}, NumPy {m['numpy']}, BLAS threads: {m['blas_threads']}; "
        f"NumPy's SIMD: {m['numpy_simd'] or 'not reported'}")
    return "\n".join(lines)
