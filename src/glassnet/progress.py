"""Keras-style progress bars, e.g.

    1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - accuracy: 0.9261 - loss: 0.2567

In a terminal or notebook the line is redrawn in place (at most every 0.05 s);
otherwise (a log file, a pipe, CI) only the finished line is printed, once.

The time units are in the learner's language (``2秒 1毫秒/步`` in Chinese), looked up once
when a bar is made (once per epoch), never per step; metric names stay as Keras spells them.
"""

from __future__ import annotations

import os
import sys
import time

from .i18n import _


def is_interactive(stream) -> bool:
    """True for a terminal, or a Jupyter notebook, where ``\\r`` redraws a line."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_value(v: float) -> str:
    return f"{v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.4e}"


def format_logs(logs: dict) -> str:
    return "".join(f" - {k}: {format_value(float(v))}" for k, v in logs.items())


class Units:
    """The words of a progress line in the current language: ``seconds.format(n=2)`` is
    ``"2s"``; ``per_step`` holds the seconds, milliseconds and microseconds per step."""

    def __init__(self) -> None:
        self.seconds = _("{n}s")
        self.per_step = (_("{n}s/step"), _("{n}ms/step"), _("{n}us/step"))


def format_time_per_step(seconds: float, units: Units | None = None) -> str:
    s, ms, us = (units or Units()).per_step
    if seconds >= 1 or seconds == 0:
        return s.format(n=f"{seconds:.0f}")
    if seconds >= 1e-3:
        return ms.format(n=f"{seconds * 1e3:.0f}")
    return us.format(n=f"{seconds * 1e6:.0f}")


class Progbar:
    """A progress bar over ``target`` steps; ``update(current, logs)`` redraws it.

    ``verbose=1`` draws the bar, ``verbose=2`` prints one bar-less line at the end.
    """

    width = 20

    def __init__(self, target: int, verbose: int = 1, stream=None, interval: float = 0.05):
        self.target = target
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interval = interval
        self.dynamic = is_interactive(self.stream)
        self.color = self.dynamic and "NO_COLOR" not in os.environ
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.units = Units()  # once per bar, not per step

    def _bar(self, current: int) -> str:
        done = int(self.width * current / self.target) if self.target else self.width
        if not self.color:
            return "━" * done + " " * (self.width - done) if done < self.width else "━" * self.width
        return f"\033[32m{'━' * done}\033[0m\033[37m{'━' * (self.width - done)}\033[0m"

    def update(self, current: int, logs: dict | None = None, finalize: bool = False) -> None:
        if self.verbose == 0:
            return
        now = time.perf_counter()
        if not finalize and (not self.dynamic or self.verbose != 1
                             or now - self.last_draw < self.interval):
            return
        self.last_draw = now
        elapsed = now - self.start
        per_step = elapsed / max(current, 1)
        digits = len(str(self.target))
        logs_text = format_logs(logs or {})
        units = self.units
        step_time = format_time_per_step(per_step, units)
        if self.verbose == 2:
            line = (f"{current}/{self.target} - {units.seconds.format(n=f'{elapsed:.0f}')} - "
                    f"{step_time}")
            self.stream.write(line + logs_text + "\n")
        else:
            seconds = elapsed if finalize else per_step * (self.target - current)
            line = (f"{current:>{digits}}/{self.target} {self._bar(current)} "
                    f"{units.seconds.format(n=f'{seconds:.0f}')} {step_time}{logs_text}")
            if self.dynamic:
                self.stream.write("\r" + line + "\033[K" * self.color + ("\n" if finalize else ""))
            else:
                self.stream.write(line + "\n")
        self.stream.flush()
