"""The report's tables as cell grids: pre/post tables, the effect summary, regressions, exclusions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from regeval.report import catalogue as cat
from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report import significance as sig
from regeval.report.data import StudyData

VARIANTS = {
    "all_months": "All months",
    "same_months": "Same calendar months (seasonally comparable)",
}


@dataclass(frozen=True)
class Cell:
    """One table cell."""

    text: str
    cls: str = ""
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


@dataclass
class Table:
    """A table with header rows, body rows and notes."""

    key: str
    title: str
    head: list[list[Cell]]
    body: list[list[Cell]]
    article: str = ""
    notes: list[str] = field(default_factory=list)
    collapsed: bool = False


def _h(text: str, colspan: int = 1, rowspan: int = 1, cls: str = "") -> Cell:
    """A header cell."""
    return Cell(text, cls, colspan, rowspan, header=True)


def _n(text: str, cls: str = "") -> Cell:
    """A number cell."""
    return Cell(text, ("num " + cls).strip())


def _effect_text(row: dict, decimals: int) -> str:
    """The effect as the article writes it: "-11.6 % (-0.26 / 2.22 × 100)"."""
    if fmt.is_missing(row.get("effect_pct")):
        return (
            f"{fmt.MISSING} (treated pre mean is 0)" if row.get("treated_pre") == 0 else fmt.MISSING
        )
    return (
        f"{fmt.pct(row['effect_pct'], plus=True)} "
        f"({fmt.number(row['did'], decimals)} / {fmt.number(row['treated_pre'], decimals)} × 100)"
    )


def _variant_rows(data: StudyData, outcome_ids: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    """effects_pre_post rows by variant and outcome."""
    result: dict[str, dict[str, dict]] = {}
    rows = data.effects[data.effects["outcome_id"].isin(outcome_ids)]
    for variant in methods.ordered(list(rows["variant"].unique()), tuple(VARIANTS)):
        chosen = rows[rows["variant"] == variant]
        result[variant] = {r["outcome_id"]: r for r in chosen.to_dict("records")}
    return result


def _windows(row: dict, period_type: str) -> tuple[str, str]:
    """The pre and post window labels of an effects row."""
    months = row.get("calendar_months")
    return (
        fmt.window(row["pre_start"], row["pre_end"], months, period_type),
        fmt.window(row["post_start"], row["post_end"], months, period_type),
    )


def _decimals(rows: list[dict]) -> int:
    """Decimals for the rates of a table: two significant digits for the smallest pre mean."""
    return fmt.decimals_for([r.get(k) for r in rows for k in ("treated_pre", "control_pre")])


def _block(row: dict | None, decimals: int, period: str) -> list[list[Cell]]:
    """Pre, post, change and effect cells (treated, control, diff) of one outcome and variant."""
    if row is None:
        blank = [_n(fmt.MISSING)] * 3
        return [blank, blank, blank, [Cell(fmt.MISSING, "effect", 3)]]

    def number(key: str) -> Cell:
        return _n(fmt.number(row[key], decimals))

    return [
        [number("treated_pre"), number("control_pre"), number("diff_pre")],
        [number("treated_post"), number("control_post"), number("diff_post")],
        [number("change_treated"), number("change_control"), number("did")],
        [Cell(_effect_text(row, decimals), "effect", 3)],
    ]


def pre_post_table(data: StudyData, spec: cat.PrePostTable) -> Table:
    """A pre/post table in the article's layout (rows pre, post, change, effect; columns treated, control, diff)."""
    treated, control = data.treated_label, data.control_label
    by_variant = _variant_rows(data, spec.outcomes)
    all_rows = [r for v in by_variant.values() for r in v.values()]
    decimals = _decimals(all_rows)
    unit = data.outcome(spec.outcomes[0]).get("unit", "")
    period_type = data.outcome(spec.outcomes[0]).get("period_type", "month")
    trio = [_h(treated), _h(control), _h("Difference")]
    labels = ("Pre", "Post", "Change", "Effect")
    if spec.layout == "columns":
        head = [
            [_h("", rowspan=2), _h("", rowspan=2)]
            + [_h(data.outcome(o).get("label", o), colspan=3) for o in spec.outcomes],
            trio * len(spec.outcomes),
        ]
        body = []
        for variant, rows in by_variant.items():
            first = next(iter(rows.values()))
            pre, post = _windows(first, period_type)
            same = all(_windows(r, period_type) == (pre, post) for r in rows.values())
            texts = (f"Pre ({pre})", f"Post ({post})", "Change", "Effect") if same else labels
            blocks = [_block(rows.get(o), decimals, period_type) for o in spec.outcomes]
            for i, text in enumerate(texts):
                line = (
                    [_h(VARIANTS.get(variant, variant), rowspan=4, cls="variant")] if i == 0 else []
                )
                line.append(_h(text, cls="rowlabel"))
                for block in blocks:
                    line.extend(block[i])
                body.append(line)
    else:
        head = [[_h("Outcome"), _h("Variant"), _h(""), *trio]]
        body = []
        for outcome_id in spec.outcomes:
            variants = [v for v, rows in by_variant.items() if outcome_id in rows]
            for j, variant in enumerate(variants):
                row = by_variant[variant][outcome_id]
                pre, post = _windows(row, period_type)
                block = _block(
                    row, _decimals([by_variant[v][outcome_id] for v in variants]), period_type
                )
                for i, text in enumerate((f"Pre ({pre})", f"Post ({post})", "Change", "Effect")):
                    line = []
                    if i == 0 and j == 0:
                        line.append(
                            _h(
                                data.outcome(outcome_id).get("label", outcome_id),
                                rowspan=4 * len(variants),
                                cls="variant",
                            )
                        )
                    if i == 0:
                        line.append(_h(VARIANTS.get(variant, variant), rowspan=4, cls="variant"))
                    line.append(_h(text, cls="rowlabel"))
                    line.extend(block[i])
                    body.append(line)
    notes = [
        (
            f"Means of the monthly group rates over each window, in {unit}. Difference = {treated} "
            f"minus control; change = post minus pre; effect = 100 × (change {treated} − change "
            f"control) / {treated} pre mean."
        )
    ]
    if "same_months" in by_variant:
        notes.append(
            "The same-months variant averages only the calendar months listed, so that the "
            "pre and post windows cover the same seasons."
        )
    return Table(spec.key, spec.title, head, body, spec.article, notes)


def compact_table(data: StudyData, article: str) -> Table:
    """Every outcome's A, B, C, D means and effect = [(B-A)-(D-C)]/A (Study B's Table 1)."""
    treated = data.treated_label
    head = [
        [
            _h("Outcome"),
            _h("Pre window"),
            _h("Post window"),
            _h(f"A: {treated}, pre"),
            _h(f"B: {treated}, post"),
            _h("C: control, pre"),
            _h("D: control, post"),
            _h("(B-A)-(D-C)"),
            _h("Effect = [(B-A)-(D-C)]/A"),
        ]
    ]
    body = []
    rows = data.effects[data.effects["variant"] == "all_months"]
    order = {o: i for i, o in enumerate(data.outcome_ids)}
    for row in sorted(rows.to_dict("records"), key=lambda r: order.get(r["outcome_id"], 999)):
        outcome = data.outcome(row["outcome_id"])
        decimals = _decimals([row])
        pre, post = _windows(row, outcome.get("period_type", "month"))
        body.append(
            [
                Cell(f"{outcome.get('label')} ({outcome.get('unit')})", "label"),
                Cell(pre),
                Cell(post),
                _n(fmt.number(row["treated_pre"], decimals)),
                _n(fmt.number(row["treated_post"], decimals)),
                _n(fmt.number(row["control_pre"], decimals)),
                _n(fmt.number(row["control_post"], decimals)),
                _n(fmt.number(row["did"], decimals)),
                _n(fmt.pct(row["effect_pct"], plus=True), "effect"),
            ]
        )
    notes = [
        (
            f"A, B: mean monthly rate of {treated} before and after; C, D: the same for the "
            f"control group ({data.control_label})."
        )
    ]
    return Table("table1", "Effects on rates: [(B-A)-(D-C)]/A", head, body, article, notes)


def summary_table(data: StudyData, article: str) -> Table | None:
    """Effects converted to persons in the treated county and the whole country (Study B's Table 3)."""
    if data.summary.empty:
        return None
    treated = data.treated_label
    head = [
        [
            _h("Subgroup"),
            _h("Effect (%)"),
            _h(f"Persons ({treated})"),
            _h("Whole country (same reduction)"),
            _h("Share of the effect"),
        ]
    ]
    order = {o: i for i, o in enumerate(data.outcome_ids)}
    records = data.summary.to_dict("records")
    totals = {r.get("summary_total_outcome") for r in records}
    ids = [r["outcome_id"] for r in records]

    def parent(outcome_id: str) -> str | None:
        found = [p for p in ids if p not in totals and outcome_id.startswith(p + "_")]
        return max(found, key=len) if found else None

    def position(record: dict) -> tuple:
        outcome_id = record["outcome_id"]
        top = parent(outcome_id) or outcome_id
        return (
            outcome_id not in totals,
            order.get(top, 999),
            top != outcome_id,
            order.get(outcome_id, 999),
        )

    body = []
    for row in sorted(records, key=position):
        outcome_id = row["outcome_id"]
        nested = parent(outcome_id) is not None
        label = data.outcome(outcome_id).get("label", outcome_id)
        body.append(
            [
                Cell(("– " + label) if nested else label, "label indent" if nested else "label"),
                _n(fmt.pct(row["effect_pct"], decimals=0, plus=True)),
                _n(fmt.persons(row["persons_treated"])),
                _n(fmt.persons(row["persons_national"])),
                _n(fmt.pct(row["share_of_total_pct"], decimals=0)),
            ]
        )
    notes = [
        (
            f"Persons = effect fraction × the subgroup's count over the pre-window months in "
            f"{treated}; whole country = effect fraction × the same count in the whole country; "
            "share = subgroup persons / all persons."
        )
    ]
    return Table("table3", "Effects in persons", head, body, article, notes)


def _regression_cells(rows: pd.DataFrame, term: str, inference: str, holds: bool) -> list[Cell]:
    """Estimate, interval, p-value and Holm p-value cells of one term and inference method."""
    hit = rows[(rows["term"] == term) & (rows["inference"] == inference)]
    if hit.empty:
        return [_n(fmt.MISSING), _n(""), _n(fmt.MISSING), _n(fmt.MISSING)]
    r = hit.iloc[0].to_dict()
    return [
        _n(fmt.pct(r["estimate_pct"], plus=True) + sig.marker(r, holds)),
        _n(sig.interval(r)),
        _n(fmt.p_value(r["p_value"])),
        _n(fmt.p_value(r.get("p_value_holm"))),
    ]


def _term_headers(data: StudyData) -> dict[str, str]:
    """The column-group heading of each regression term."""
    return {
        "post": f"Effect after {fmt.month(data.study['intervention_month'])}",
        "placebo_window": (
            f"Placebo: hypothetical intervention {fmt.month(data.study.get('placebo_start'))} - "
            f"{fmt.month(data.study.get('placebo_end'))}"
        ),
        "pre_trend": "Pre-trend",
    }


def regression_models(reg: pd.DataFrame) -> list[str]:
    """Models in report order: those with a placebo-window term first (the Table 5 analogue)."""
    models = methods.ordered(list(reg["model"].dropna().unique()), methods.MODEL_ORDER)
    with_placebo = set(reg.loc[reg["term"] == "placebo_window", "model"])
    return [m for m in models if m in with_placebo] + [m for m in models if m not in with_placebo]


def _inference_name(inference: str, recommended: bool, holds: bool) -> str:
    """The inference column text: the label, ✓ on the recommended row, † on an invalid one."""
    name = methods.inference(inference).label
    if not methods.is_valid(inference):
        return name + " †"
    if recommended:
        return name + (" ✓ recommended" if holds else " ✓ recommended, not calibrated")
    return name


def _regression_table(data: StudyData, rows: pd.DataFrame, model: str) -> tuple[list, list]:
    """Header and body rows of one model's regression table."""
    headers = _term_headers(data)
    terms = methods.ordered(list(rows["term"].dropna().unique()), tuple(headers))
    head = [
        [_h("Outcome", rowspan=2), _h("Inference", rowspan=2)]
        + [_h(headers.get(t, t), colspan=4) for t in terms]
        + [_h("Obs.", rowspan=2)],
        [_h("Estimate"), _h("95 % CI"), _h("p"), _h("Holm p")] * len(terms),
    ]
    order = {o: i for i, o in enumerate(data.outcome_ids)}
    body = []
    for outcome_id in sorted(rows["outcome_id"].unique(), key=lambda o: order.get(o, 999)):
        these = rows[rows["outcome_id"] == outcome_id]
        holds = sig.calibrated(data, outcome_id)
        recommended = sig.recommended_row(data, outcome_id) or {}
        inferences = methods.ordered(
            list(these["inference"].dropna().unique()), methods.INFERENCE_ORDER
        )
        n_obs = these.loc[these["term"] == "post", "n_obs"] if "n_obs" in these else pd.Series()
        for i, inference in enumerate(inferences):
            valid = methods.is_valid(inference)
            is_recommended = (
                recommended.get("model") == model and recommended.get("inference") == inference
            )
            line = []
            if i == 0:
                label = data.outcome(outcome_id).get("label", outcome_id)
                line.append(_h(label, rowspan=len(inferences), cls="variant"))
            kind = ("valid" if valid else "invalid") + (" recommended" if is_recommended else "")
            name = _inference_name(inference, is_recommended, holds)
            line.append(Cell(name, "inference " + kind))
            for term in terms:
                cells = _regression_cells(these, term, inference, holds)
                extra = ("" if valid else " invalid") + (" recommended" if is_recommended else "")
                line.extend(Cell(c.text, c.cls + extra) for c in cells)
            if i == 0:
                obs = fmt.persons(n_obs.iloc[0]) if len(n_obs) else fmt.MISSING
                line.append(Cell(obs, "num", rowspan=len(inferences)))
            body.append(line)
    return head, body


def _invalid_note(rows: pd.DataFrame) -> str:
    """The † footnote: why each conventional method shown is not valid with one treated county."""
    shown = [k for k in methods.INFERENCE_ORDER if not methods.is_valid(k)]
    present = [k for k in shown if (rows["inference"] == k).any()]
    if not present:
        return ""
    reasons = "; ".join(
        f"{methods.inference(k).label}: {methods.inference(k).footnote}" for k in present
    )
    return (
        f"† not valid with a single treated county, shown for comparison only and never "
        f"marked: {reasons}."
    )


def _floor_note(rows: pd.DataFrame) -> str:
    """The smallest p-values some methods can reach, where they lie above 5 %."""
    if "min_p_value" not in rows.columns:
        return ""
    high = rows[pd.to_numeric(rows["min_p_value"], errors="coerce") > sig.LEVEL]
    texts = dict.fromkeys(
        sig.floor_text(r["inference"], r["min_p_value"], r.get("n_controls"))
        for r in high.to_dict("records")
    )
    texts.pop("", None)
    if not texts:
        return ""
    return (
        "Levels that cannot be reached: "
        + "; ".join(texts)
        + ". No marker is shown for a level below a method's smallest p-value."
    )


def _unbounded_note(rows: pd.DataFrame) -> str:
    """A note when some interval is unbounded (conformal)."""
    bounds = pd.concat(
        [
            pd.to_numeric(rows.get(c, pd.Series(dtype=float)), errors="coerce")
            for c in ("ci_low", "ci_high")
        ]
    )
    if not np.isinf(bounds.to_numpy(dtype=float)).any():
        return ""
    return (
        "∞: the conformal interval is unbounded on that side (every effect that far is "
        "consistent with the treated county's own history)."
    )


def regression_tables(data: StudyData, title: str, article: str = "") -> list[Table]:
    """One table per model (the first open, the others folded), every term by inference method."""
    reg = data.regression
    if reg is None or reg.empty:
        return []
    n_outcomes = reg["outcome_id"].nunique()
    tables = []
    for position, model in enumerate(regression_models(reg)):
        rows = reg[reg["model"] == model]
        has_placebo = bool((rows["term"] == "placebo_window").any())
        head, body = _regression_table(data, rows, model)
        notes = [
            (
                f"Model: {methods.model_label(model)}. Effects in percent of the treated pre "
                "mean; Obs.: observations in the regression. Holm p: the p-value adjusted by "
                f"Holm's method over the study's {n_outcomes} outcome"
                + ("s" if n_outcomes != 1 else "")
                + " (same model, term and inference)."
            ),
            sig.MARKER_NOTE
            + " ✓ marks the row the study headlines, chosen by calibration on the study's own "
            "data (see the calibration section).",
            _invalid_note(rows),
            _floor_note(rows),
            _unbounded_note(rows),
        ]
        tables.append(
            Table(
                f"regression_{model}",
                f"{title if has_placebo else 'Regression estimates'}: {methods.model_short(model)}",
                head,
                body,
                article if position == 0 else "",
                [n for n in notes if n],
                collapsed=position > 0,
            )
        )
    return tables


def exclusions_table(data: StudyData) -> Table | None:
    """Counties with missing periods and what the gap policy did with them."""
    if data.exclusions.empty:
        return None
    head = [
        [
            _h("County"),
            _h("Role"),
            _h("Outcomes"),
            _h("Missing periods"),
            _h("Which"),
            _h("Reason"),
            _h("Gap policy"),
            _h("Left out"),
        ]
    ]
    body = []
    for r in data.exclusions.sort_values("county_code").to_dict("records"):
        body.append(
            [
                Cell(f"{r['county_code']} {r['county_name']}", "label"),
                Cell(str(r["role"])),
                Cell(str(r["outcome_ids"])),
                _n(str(r["n_missing_periods"])),
                Cell(str(r["missing_periods"]), "small"),
                Cell(str(r["reason"]), "small"),
                Cell(str(r["gap_policy"])),
                Cell("yes" if r["is_excluded"] else "no"),
            ]
        )
    return Table("exclusions", "Counties with gaps in the published series", head, body)


def measures_table(data: StudyData) -> Table | None:
    """The study's measures and when each was expected to act (seed study_measures; the AAP article's Table 2)."""
    if data.measures.empty:
        return None
    head = [
        [
            _h("Measure"),
            _h("Who it reaches"),
            _h("When an effect on the inflow to AAP was expected"),
            _h("Other effects expected"),
        ]
    ]
    body = []
    for r in data.measures.sort_values("measure_order").to_dict("records"):
        body.append(
            [
                Cell(str(r["measure"]), "label"),
                Cell(_text(r["treated_group"])),
                Cell(_text(r["expected_effect_on_aap_inflow"])),
                Cell(_text(r["other_effects"]), "small"),
            ]
        )
    return Table("table2", "When each measure was expected to act", head, body, "Table 2")


def _text(value: object) -> str:
    """A text cell's content: empty for a missing value."""
    return "" if value is None or pd.isna(value) else str(value)
