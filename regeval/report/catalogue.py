"""Which figures and tables each study domain shows, as data (outcome lists per domain)."""

from __future__ import annotations

from dataclasses import dataclass, field

SERIES = "series"
DIFFERENCE = "difference"
DUAL_DIFFERENCE = "dual_difference"
COUNTY_CHANGE = "county_change"
EVENT_STUDY = "event_study"
PLACEBO_TIME = "placebo_time"
PLACEBO_SPACE = "placebo_space"
LEAVE_ONE_OUT = "leave_one_out"

ESTIMATE_KINDS = (EVENT_STUDY, PLACEBO_TIME, PLACEBO_SPACE, LEAVE_ONE_OUT)
ALL_KINDS = (SERIES, DIFFERENCE, *ESTIMATE_KINDS)


@dataclass(frozen=True)
class FigureGroup:
    """Outcomes shown together (one panel or one line each) and the figure kinds drawn for them."""

    key: str
    title: str
    outcomes: tuple[str, ...]
    kinds: tuple[str, ...] = ALL_KINDS
    article: str = ""


@dataclass(frozen=True)
class PrePostTable:
    """A pre/post table: outcomes side by side as column groups, or stacked as row blocks."""

    key: str
    title: str
    outcomes: tuple[str, ...]
    layout: str = "columns"
    article: str = ""


@dataclass(frozen=True)
class DomainReport:
    """The figure groups, pre/post tables and headline outcomes of one domain."""

    figures: tuple[FigureGroup, ...]
    tables: tuple[PrePostTable, ...]
    headline: tuple[str, ...]
    compact_table: str = ""
    summary_table: str = ""
    regression_title: str = "Regression estimates"
    regression_article: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def _with_without(stem: str) -> tuple[str, str]:
    """The with- and without-dagpenger outcome ids of a job-seeker measure."""
    return (f"{stem}_dagpenger", f"{stem}_no_dagpenger")


DURATIONS = ("26_51", "52_77", "78_103", "104plus")
DURATION_LABELS = {"26_51": "26-51", "52_77": "52-77", "78_103": "78-103", "104plus": "104 or more"}

JOBSEEKERS = DomainReport(
    figures=(
        FigureGroup(
            "county_change",
            "Percent change in registered job seekers by county",
            _with_without("jobseekers"),
            (COUNTY_CHANGE,),
            "Figure 1",
        ),
        FigureGroup(
            "stocks",
            "Registered job seekers",
            _with_without("jobseekers"),
            ALL_KINDS,
            "Figures 2-3",
        ),
        FigureGroup(
            "new", "New job seekers", _with_without("new_jobseekers"), ALL_KINDS, "Figures 4-5"
        ),
        *(
            FigureGroup(
                f"duration_{d}",
                f"Job seekers at {DURATION_LABELS[d]} weeks",
                _with_without(f"duration_{d}"),
                ALL_KINDS,
                "Figures 6-9" if i == 0 else "",
            )
            for i, d in enumerate(DURATIONS)
        ),
    ),
    tables=(
        PrePostTable(
            "table1", "Registered job seekers", _with_without("jobseekers"), "columns", "Table 1"
        ),
        PrePostTable(
            "table2", "New job seekers", _with_without("new_jobseekers"), "columns", "Table 2"
        ),
        PrePostTable(
            "table3",
            "Job seekers with dagpenger by duration",
            tuple(f"duration_{d}_dagpenger" for d in DURATIONS),
            "rows",
            "Table 3",
        ),
        PrePostTable(
            "table4",
            "Job seekers without dagpenger by duration",
            tuple(f"duration_{d}_no_dagpenger" for d in DURATIONS),
            "rows",
            "Table 4",
        ),
    ),
    headline=_with_without("jobseekers"),
    regression_title="Regression estimates with the placebo window",
    regression_article="Table 5",
)

AAP = DomainReport(
    figures=(
        FigureGroup(
            "sick_leave", "Sick leave by quarter", ("sick_leave_pct",), (SERIES,), "Figure 1"
        ),
        FigureGroup(
            "exhaustion",
            "People using up sickness benefit",
            ("sickness_benefit_exhaustion",),
            ALL_KINDS,
            "Figure 2a/b",
        ),
        FigureGroup(
            "aap_share",
            "On AAP two months after using up sickness benefit",
            ("aap_share_two_months_after_exhaustion",),
            ALL_KINDS,
            "Figure 3a/b",
        ),
        FigureGroup(
            "aap_inflow", "New AAP recipients", ("aap_inflow_total",), ALL_KINDS, "Figure 4a/b"
        ),
        FigureGroup(
            "aap_inflow_origin",
            "New AAP recipients by origin",
            ("aap_inflow_sickness_benefit", "aap_inflow_other"),
            ALL_KINDS,
            "Figure 5a/b",
        ),
        FigureGroup(
            "applications",
            "AAP rejections and applications",
            ("aap_rejection_pct", "aap_applications"),
            (DUAL_DIFFERENCE, SERIES, *ESTIMATE_KINDS),
            "Figure 6",
        ),
    ),
    tables=(),
    headline=("aap_inflow_total", "sickness_benefit_exhaustion"),
    compact_table="Table 1",
    summary_table="Table 3",
)

PUBLIC_UNEMPLOYMENT = DomainReport(
    figures=(
        FigureGroup(
            "county_change",
            "Percent change in registered fully unemployed by county",
            ("fully_unemployed",),
            (COUNTY_CHANGE,),
        ),
        FigureGroup("fully_unemployed", "Registered fully unemployed", ("fully_unemployed",)),
    ),
    tables=(
        PrePostTable("prepost", "Registered fully unemployed", ("fully_unemployed",), "columns"),
    ),
    headline=("fully_unemployed",),
)

PUBLIC_AAP = DomainReport(
    figures=(
        FigureGroup("aap_inflow_q2", "New AAP recipients in the 2nd quarter", ("aap_inflow_q2",)),
    ),
    tables=(
        PrePostTable(
            "prepost", "New AAP recipients in the 2nd quarter", ("aap_inflow_q2",), "columns"
        ),
    ),
    headline=("aap_inflow_q2",),
)

DOMAINS: dict[str, DomainReport] = {
    "jobseekers": JOBSEEKERS,
    "aap": AAP,
    "public_unemployment": PUBLIC_UNEMPLOYMENT,
    "public_aap": PUBLIC_AAP,
}


def default_report(outcome_ids: list[str]) -> DomainReport:
    """The report of a domain without an entry: every outcome with every figure kind and its own table."""
    return DomainReport(
        figures=tuple(FigureGroup(o, o, (o,)) for o in outcome_ids),
        tables=tuple(PrePostTable(o, o, (o,), "columns") for o in outcome_ids),
        headline=tuple(outcome_ids[:2]),
    )


def domain_report(domain: str, outcome_ids: list[str]) -> DomainReport:
    """The report of a domain, restricted to the outcomes the study has."""
    base = DOMAINS.get(domain) or default_report(outcome_ids)
    present = set(outcome_ids)

    def keep(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(o for o in ids if o in present)

    figures = tuple(
        FigureGroup(g.key, g.title, keep(g.outcomes), g.kinds, g.article)
        for g in base.figures
        if keep(g.outcomes)
    )
    tables = tuple(
        PrePostTable(t.key, t.title, keep(t.outcomes), t.layout, t.article)
        for t in base.tables
        if keep(t.outcomes)
    )
    headline = keep(base.headline) or tuple(outcome_ids[:1])
    return DomainReport(
        figures,
        tables,
        headline,
        base.compact_table,
        base.summary_table,
        base.regression_title,
        base.regression_article,
        base.notes,
    )
