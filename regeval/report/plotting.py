"""Shared matplotlib helpers: canvas, date axes, intervention lines, legend, source line, saving."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from regeval.report import formatting as fmt

TREATED = "#b2182b"
CONTROL = "#2166ac"
OTHER = "#a0a0a0"
SUPPRESSED = "#ffffff"
LINE_COLOURS = ("#1b7837", "#762a83", "#e08214", "#35978f", "#4d4d4d", "#c51b7d")
DPI = 100

STYLE = {
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Interventions:
    """The intervention month and the earlier one, if any, as a study marks them."""

    main: pd.Timestamp
    earlier: pd.Timestamp | None

    @classmethod
    def of(cls, study: dict) -> Interventions:
        """The interventions of a studies row."""
        earlier = study.get("earlier_intervention_month")
        return cls(
            pd.Timestamp(study["intervention_month"]),
            None if fmt.is_missing(earlier) else pd.Timestamp(earlier),
        )

    def text(self) -> str:
        """The interventions in words, e.g. "intervention Apr 2014, earlier intervention Apr 2013"."""
        words = f"intervention {fmt.month(self.main)}"
        if self.earlier is not None:
            words += f", earlier intervention {fmt.month(self.earlier)}"
        return words


def new_figure(
    n_panels: int = 1, height: float = 3.3, sharey: bool = False
) -> tuple[Figure, list[Axes]]:
    """A figure on the Agg canvas with n panels side by side (two per row); finish() sizes it."""
    columns = min(n_panels, 2)
    rows = (n_panels + 1) // 2
    width = 8.2 if columns == 1 else 11.5
    figure = Figure(figsize=(width, height * rows), dpi=DPI)
    FigureCanvasAgg(figure)
    axes_grid = figure.subplots(rows, columns, squeeze=False, sharey=sharey)
    axes = [ax for row in axes_grid for ax in row]
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    figure.panel_height = height  # type: ignore[attr-defined]
    return figure, axes[:n_panels]


def date_axis(ax: Axes) -> None:
    """Years on the x axis of long series (every year, or every second or third), quarters on short ones."""
    low, high = ax.get_xlim()
    years = max((high - low) / 365.25, 0.1)
    if years < 3:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
        return
    ax.xaxis.set_major_locator(mdates.YearLocator(max(1, int(np.ceil(years / 10)))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def mark_interventions(
    ax: Axes, interventions: Interventions, with_text: bool = True
) -> list[Line2D]:
    """Vertical labelled lines at the intervention month(s); returns legend handles."""
    handles = [
        ax.axvline(
            interventions.main,
            color="black",
            linestyle="--",
            linewidth=1.1,
            label=f"Intervention ({fmt.month(interventions.main)})",
        )
    ]
    if interventions.earlier is not None:
        handles.append(
            ax.axvline(
                interventions.earlier,
                color="#555555",
                linestyle=":",
                linewidth=1.3,
                label=f"Earlier intervention ({fmt.month(interventions.earlier)})",
            )
        )
    if with_text:
        for handle in handles:
            x = handle.get_xdata()[0]
            ax.annotate(
                fmt.month(x),
                xy=(x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=7.5,
                color=handle.get_color(),
            )
    return handles


def zero_line(ax: Axes, vertical: bool = False) -> None:
    """A thin line at zero."""
    if vertical:
        ax.axvline(0, color="#666666", linewidth=0.8)
    else:
        ax.axhline(0, color="#666666", linewidth=0.8)


def unique_handles(axes: list[Axes]) -> tuple[list, list[str]]:
    """Legend handles and labels of all panels, each label once."""
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels and not label.startswith("_"):
                handles.append(handle)
                labels.append(label)
    return handles, labels


def finish(
    figure: Figure,
    axes: list[Axes],
    title: str,
    source: str,
    note: str = "",
    handles: tuple[list, list[str]] | None = None,
    left: float = 0.95,
    right: float = 0.25,
    between: float = 0.85,
) -> None:
    """Title, one legend below the panels, the source line (with an optional note) and the margins (inches)."""
    width = figure.get_figwidth()
    grid = axes[0].get_subplotspec().get_gridspec()
    rows, columns = grid.nrows, grid.ncols
    wrapped = textwrap.fill(title, int(width * 10))
    figure.suptitle(wrapped, fontsize=11.5, fontweight="bold", x=0.01, y=0.995, ha="left", va="top")
    title_lines = wrapped.count("\n") + 1
    footer = "\n".join(
        textwrap.wrap(source, int(width * 17)) + textwrap.wrap(note, int(width * 17))
    )
    footer_lines = footer.count("\n") + 1
    found, labels = handles if handles is not None else unique_handles(axes)
    longest = max((len(label) for label in labels), default=1)
    ncols = max(1, min(len(labels), 3, int(width * 13.5) // (longest + 6)))
    legend_rows = -(-len(labels) // ncols) if labels else 0
    has_xlabel = any(ax.get_xlabel() for ax in axes)
    footer_in = 0.08 + 0.15 * footer_lines
    legend_in = 0.2 * legend_rows + (0.1 if legend_rows else 0)
    tick_lines = max(
        (tick.get_text().count("\n") + 1 for ax in axes for tick in ax.get_xticklabels()), default=1
    )
    bottom_in = footer_in + legend_in + 0.18 + 0.14 * tick_lines + (0.2 if has_xlabel else 0)
    panel_title_lines = max(
        (ax.get_title().count("\n") + 1 for ax in axes if ax.get_title()), default=0
    )
    panel_title_in = 0.08 + 0.2 * panel_title_lines if panel_title_lines else 0.05
    top_in = 0.12 + 0.22 * title_lines + panel_title_in
    gap_in = 0.45 + panel_title_in + (0.2 if has_xlabel else 0)
    height = figure.panel_height * rows + top_in + bottom_in + gap_in * (rows - 1)  # type: ignore[attr-defined]
    figure.set_size_inches(width, height)
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom_in / height,
        top=1 - top_in / height,
        wspace=between / ((width - left - right - between * (columns - 1)) / columns),
        hspace=gap_in / figure.panel_height,  # type: ignore[attr-defined]
    )
    if found:
        figure.legend(
            found,
            labels,
            loc="lower center",
            ncols=ncols,
            bbox_to_anchor=(0.5, footer_in / height),
            borderaxespad=0.1,
        )
    figure.text(0.01, 0.06 / height, footer, fontsize=7.5, color="#444444", ha="left", va="bottom")


def save(figure: Figure, path: Path) -> None:
    """Write the figure as PNG and release it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 3})
    figure.clear()
