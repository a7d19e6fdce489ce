"""The ``siting`` command line: the one shell that joins ``layers``, ``geo`` and ``maps``.

It lives under ``maps`` because ``maps`` is the one package allowed to import the other two. One
module per command; each module's command does its heavy imports inside the command body.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
import warnings

import click

from layers.errors import InputError, in_lang
from maps.cli import (
    check,
    convert,
    layers_cmd,
    map_cmd,
    outputs,
    placing,
    prepare,
    rules_cmd,
    score,
    screen,
)

__version__ = "0.1.0"


class _Siting(click.Group):
    """The command group; a user mistake's bilingual message reads in the command's ``--lang``
    first (Chinese by default), as the problems and summaries it prints do."""

    def invoke(self, ctx: click.Context):
        lang = _lang(ctx.args)  # the command's arguments (the group consumes them)
        try:
            return super().invoke(ctx)
        except (click.ClickException, InputError) as exc:
            if isinstance(exc, click.ClickException):
                exc.message = in_lang(exc.message, lang)
            elif exc.args:
                exc.args = (in_lang(exc.args[0], lang), *exc.args[1:])
            raise


def _lang(args: list[str]) -> str:
    """The ``--lang`` given among a command's arguments, else the default (zh)."""
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "zh"


@click.group(cls=_Siting, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="siting")
@click.option("-v", "--verbose", count=True, help="More log output.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Zoning checks (三线一单) and renewable siting on degraded land.

    \b
    siting layers CATALOG        check a catalog of layers / 检查图层目录
    siting convert IN OUT        GCJ-02 / BD-09 / WGS84 conversion / 坐标转换
    siting score --tech pv|wind  rank degraded land for PV / wind / 退化土地选址评分
    siting screen PROJECTS ...   screen projects against zoning / 项目准入审查
    siting check --point LON,LAT check one location / 单点快速审查
    siting rules [RULESET...]    print the effective rules / 显示规则
    siting map CATALOG --out F   draw a catalog's layers / 绘制图层地图
    siting prepare CATALOG --out D  validate layers once into fast GeoParquet / 预处理图层
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else
                                         logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    outputs.forget_destination()


cli.add_command(layers_cmd.layers)
cli.add_command(convert.convert)
cli.add_command(score.score)
cli.add_command(screen.screen)
cli.add_command(rules_cmd.rules)
cli.add_command(map_cmd.map_command)
cli.add_command(check.check)
cli.add_command(prepare.prepare)


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"Warning: {message}\n"


_TERMINATED: list[int] = []  # the signal that stopped the command, once it came
_MAIN_PID = [0]  # the command's own process (forked writers inherit the handler)


def _stop(signum, frame) -> None:
    """SIGTERM (``timeout``, a scheduler, CI) stops the command as Ctrl-C does: this process's
    worker and writer processes are stopped, and the unwinding removes its temporary folders
    (the staged layers, the outputs not yet in place)."""
    if os.getpid() != _MAIN_PID[0]:  # a forked writer or worker: just stop
        os._exit(128 + signum)
    _TERMINATED.append(signum)
    import multiprocessing

    for child in multiprocessing.active_children():
        child.terminate()
    raise KeyboardInterrupt


class _PipeSafe:
    """A text stream that stops printing, not working, when the reader of a pipe has gone
    (``siting score ... | head``): the command goes on and writes its files. Once the pipe is
    broken, the stream's descriptor points to ``/dev/null`` so that nothing fails at exit."""

    def __init__(self, stream):
        self._stream = stream

    def _gone(self) -> None:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main() -> None:
    """Console entry point: user mistakes become a message and exit code 2, never a traceback.

    An unexpected error (a bug) prints one line naming the log file that holds the full
    traceback (in the output folder when the command got that far), and exits with code 1.
    Ctrl-C stops it with one line saying what the output folder holds (the previous complete
    run: :mod:`maps.cli.staging`) and exit code 130; SIGTERM stops it the same way (143).
    """
    warnings.formatwarning = _format_warning
    _MAIN_PID[0] = os.getpid()
    _TERMINATED.clear()
    import threading

    here = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, _stop) if here else None
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PipeSafe(sys.stdout), _PipeSafe(sys.stderr)
    try:
        _run()
    finally:  # main() called from Python (a test, a notebook) leaves the handler as it was
        sys.stdout, sys.stderr = streams
        if here:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _run() -> None:
    """Run the command line; exit with its code (see :func:`main`)."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C (click's Abort) or SIGTERM: the shell's codes
        click.echo(placing.interrupted(), err=True)
        sys.exit(128 + (_TERMINATED[0] if _TERMINATED else signal.SIGINT))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except InputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - a bug: one line and a log, never a traceback
        log = outputs.write_error_log(traceback.format_exc())
        click.echo(f"Error: internal error, not a problem with your input "
                   f"({outputs.one_line(exc)}); the full traceback is in {log}, please include it "
                   f"when you report this / 内部错误（非输入问题），完整信息见 {log}", err=True)
        sys.exit(1)
    sys.exit(0)
