"""Where a screening runs: in this process, on a local process pool, or on a Dask cluster.

``--workers N`` screens the batch as tiles on a pool of N worker processes (``--workers 1``: in
this process); without it, batches of at least :data:`POOL_MIN_PROJECTS` projects use every core
this process may use and smaller ones run in this process. ``--scheduler tcp://host:8786`` sends
the tiles to a Dask distributed cluster instead (``distributed.Client(address).get_executor()``,
given :data:`CONNECT_TIMEOUT_S` to connect: the optional extra ``siting-toolkit[distributed]``);
its workers are started with ``dask worker``, so ``--workers`` does not go with it. Either way
the results are the same (see :mod:`geo.tiles`).
The outputs of a batch screened on workers are then written by as many processes at once (this
one and helpers forked from it, which share its tables: :meth:`maps.cli.staging.Staging.write_all`); with
``--workers 1`` they are written one after the other, which needs the least memory.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import click

from maps.cli.options import AtLeast

POOL_MIN_PROJECTS = 2_000
"""Smaller batches are screened in this process: starting workers would cost more than it saves."""
CONNECT_TIMEOUT_S = 10.0
"""How long [s] the command tries to reach a Dask scheduler before it says it cannot (dask's own
default, ``distributed.comm.timeouts.connect``, is 30 s); also how long a client that lost its
scheduler tries to reconnect. A scheduler on a reachable network answers in well under a second."""
WORKER_WAIT_S = 60.0
"""How long [s] a Dask scheduler without workers is given for one to join (a cluster that is
starting up) before the command says so and stops."""


def cores() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_options(f):
    """``--workers``, ``--scheduler`` and ``--stage-dir`` for commands that screen."""
    f = click.option(
        "--stage-dir", type=click.Path(file_okay=False, path_type=Path),
        help="Folder in which the layers' fast forms are staged during the run, in a new "
             "subfolder removed at the end (default: the system's temporary folder; with "
             "--scheduler on several machines, one every worker can read) / 临时图层目录.")(f)
    f = click.option(
        "--scheduler", metavar="ADDRESS",
        help="Screen on a Dask distributed cluster instead of --workers, e.g. "
             "tcp://host:8786 (needs siting-toolkit[distributed]) / 在 Dask 集群上审查.")(f)
    return click.option(
        "--workers", default=None,
        type=AtLeast(1, "leave --workers out to use every core, or give 1 to screen in this "
                        "process", "省略 --workers 即使用全部核心，1 表示在本进程中审查"),
        help=f"Worker processes (default and most: the number of cores, here {cores()}, for batches "
             f"of {POOL_MIN_PROJECTS:,}+ projects); 1 runs in this process / 并行进程数.")(f)


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """Refuse ``--scheduler ""`` and ``--scheduler`` with ``--workers`` (click.UsageError, exit
    code 2), before any work: either would otherwise screen somewhere the user did not ask for.

    Parameters
    ----------
    workers : int, optional
        ``--workers``.
    scheduler : str, optional
        ``--scheduler``.
    """
    if scheduler is None:
        return
    if not scheduler.strip():
        raise click.UsageError(
            "--scheduler needs the address of a Dask scheduler, e.g. --scheduler "
            "tcp://host:8786; leave --scheduler out to screen on this machine / 请给出 Dask "
            "调度器地址")
    if workers is not None:
        raise click.UsageError(
            f"--workers {workers} and --scheduler cannot be used together: on a Dask cluster "
            f"the workers started with `dask worker {scheduler.strip()}` screen the tiles (set "
            "their number there, with --nworkers); leave out --workers, or leave out "
            "--scheduler to screen on this machine / --workers 与 --scheduler 不能同时使用")


def most_workers() -> int:
    """The most worker processes of a local pool: the cores (at least 2). More only share the
    cores and each holds its tiles' layers in memory: ``--workers 10000`` started 10,000."""
    return max(cores(), 2)


def capped_note(asked: int, used: int) -> object:
    """The note of a ``--workers`` above :func:`most_workers` (bilingual)."""
    from layers.errors import bi

    return bi(f"--workers {asked}: this machine has {cores()} core(s); screening on {used} "
              "processes", f"--workers {asked}：本机有 {cores()} 个核心，使用 {used} 个进程审查")


class Workers:
    """The executor of one command: started when a batch first needs it, shut down at the end.

    Parameters
    ----------
    workers : int, optional
        Worker processes (default :func:`cores`; at most :func:`most_workers`, see
        :attr:`capped`).
    scheduler : str, optional
        Address of a Dask scheduler.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.explicit = workers is not None
        self.workers = min(workers or cores(), most_workers())
        self.capped = workers is not None and workers > self.workers
        """Whether fewer processes run than asked: the command says so."""
        self.scheduler = scheduler
        self._executor: Executor | None = None
        self._client = None

    def executor(self, n_projects: int) -> Executor | None:
        """The executor for a batch of ``n_projects``, or None to screen it in this process."""
        if self._executor is not None:
            return self._executor
        if self.scheduler:
            self._executor = self._dask()
        elif self.workers > 1 and self._pooled(n_projects):
            # spawned workers start clean: no copy of this process's memory, no forked threads
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_import_screening)
        return self._executor

    def warm(self, n_projects: int | None) -> None:
        """Start the local pool's workers now when a batch of (about) ``n_projects`` will use
        them (None: not known yet), so that they import the screening modules (≈2 s each)
        while this process still reads the projects and plans the tiles."""
        if self.scheduler or n_projects is None or self._executor is not None:
            return
        pool = self.executor(n_projects)
        for _ in range(self.workers if pool is not None else 0):
            pool.submit(os.getpid)  # each submit starts a worker until all have started

    def writers(self, n_projects: int) -> int:
        """How many processes write the outputs of ``n_projects`` at once (on this machine,
        also with a cluster): as :meth:`executor` decides, at most the cores here."""
        return max(1, min(self.workers, cores())) if self._pooled(n_projects) else 1

    def _pooled(self, n_projects: int) -> bool:
        """Whether a batch of ``n_projects`` is worth worker processes (or they were asked)."""
        return self.explicit or n_projects >= POOL_MIN_PROJECTS

    def _dask(self) -> Executor:
        try:
            from distributed import Client
        except ImportError:
            raise click.UsageError("--scheduler needs Dask distributed: pip install "
                                   "'siting-toolkit[distributed]' / 需要安装 distributed") from None
        try:
            self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise click.BadParameter(f"cannot reach the Dask scheduler {self.scheduler!r} "
                                     f"({exc}); check the address and that it runs / 无法连接 "
                                     "Dask 调度器", param_hint="--scheduler") from None
        try:  # a scheduler without workers would take the tiles and never run them
            self._client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            self.close()
            raise click.BadParameter(
                f"the Dask scheduler {self.scheduler!r} has no workers (waited "
                f"{WORKER_WAIT_S:g} s): start some with `dask worker {self.scheduler}` on "
                "machines that read the catalog's files / Dask 调度器没有可用的 worker",
                param_hint="--scheduler") from None
        return self._client.get_executor()

    def close(self) -> None:
        """Shut the pool down (its workers' memory is freed) or leave the cluster. Called
        while Ctrl-C unwinds the command, it stops the local workers rather than wait."""
        if self._executor is not None:
            if isinstance(sys.exc_info()[1], KeyboardInterrupt) and isinstance(
                    self._executor, ProcessPoolExecutor):
                for proc in list((getattr(self._executor, "_processes", None) or {}).values()):
                    proc.terminate()
                self._executor.shutdown(wait=True, cancel_futures=True)
            else:
                self._executor.shutdown(wait=True)
            self._executor = None
        if self._client is not None:
            self._client.close()
            self._client = None


def _import_screening() -> None:
    """A worker's first step: ignore Ctrl-C (it reaches the whole process group; the command
    stops its workers, :meth:`Workers.close`), import what screening a tile needs."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import geo.screen  # noqa: F401
    import geo.tiles  # noqa: F401
    import layers.prepared  # noqa: F401
