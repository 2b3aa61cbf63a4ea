"""Draw every figure of the report, in parallel worker processes where the platform can fork."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

from regeval.report import catalogue as cat
from regeval.report.figures import Context, FigureOut, draw_figure

Job = tuple[int, int, str]
_STUDIES: list[tuple[Context, cat.DomainReport]] = []


def _draw(job: Job) -> FigureOut:
    """Draw one job: (study index, figure group index, figure kind)."""
    study, group, kind = job
    ctx, report = _STUDIES[study]
    return draw_figure(ctx, report.figures[group], kind)


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the parent process, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """Worker processes: REGEVAL_REPORT_WORKERS, else the CPU count (at most 4)."""
    value = os.environ.get("REGEVAL_REPORT_WORKERS", "").strip()
    if value:
        return max(1, int(value))
    return max(1, min(os.cpu_count() or 1, 4))


def draw_all(
    studies: list[tuple[Context, cat.DomainReport]], workers: int | None = None
) -> list[list[list[FigureOut]]]:
    """Every figure of every study, as [study][group] lists of figures in catalogue order."""
    jobs: list[Job] = [
        (s, g, kind)
        for s, (_, report) in enumerate(studies)
        for g, group in enumerate(report.figures)
        for kind in group.kinds
    ]
    workers = default_workers() if workers is None else max(1, workers)
    _STUDIES[:] = studies
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods() and len(jobs) > 1:
            context = multiprocessing.get_context("fork")
            pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_ignore_interrupts
            )
            try:
                results = list(pool.map(_draw, jobs, chunksize=2))
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        else:
            results = [_draw(job) for job in jobs]
    finally:
        _STUDIES.clear()
    nested: list[list[list[FigureOut]]] = [[[] for _ in report.figures] for _, report in studies]
    for (s, g, _), result in zip(jobs, results):
        nested[s][g].append(result)
    return nested
