"""Number and window formatting of the report, as the source articles write them."""

from __future__ import annotations

import math

from regeval.report import formatting as fmt


def test_percent_with_sign_and_interval() -> None:
    assert fmt.pct(-11.6) == "-11.6 %"
    assert fmt.pct(4.84, plus=True) == "+4.8 %"
    assert fmt.pct(-0.04) == "0.0 %"
    assert fmt.pct(None) == fmt.MISSING
    assert fmt.pct(math.nan) == fmt.MISSING
    assert fmt.ci(-16.2, -6.2) == "(-16.2, -6.2)"
    assert fmt.ci(None, 1.0) == ""


def test_p_values_persons_and_stars() -> None:
    assert fmt.p_value(0.0004) == "<0.001"
    assert fmt.p_value(0.0456) == "0.046"
    assert fmt.stars(0.01) == "*" and fmt.stars(0.2) == ""
    assert fmt.persons(-17182.4) == "-17\u00a0182"


def test_decimals_keep_two_significant_digits() -> None:
    assert fmt.decimals_for([2.22, 2.27]) == 2
    assert fmt.decimals_for([0.26, 0.28]) == 2
    assert fmt.decimals_for([0.018, 0.2]) == 3
    assert fmt.decimals_for([0.0, 0.0]) == 2


def test_windows_as_the_articles_write_them() -> None:
    assert fmt.window("2011-01-01", "2014-10-01") == "Jan 2011 - Oct 2014"
    assert fmt.window("2010-12-01", "2014-10-01", "12|1|2|3|4|5|6|7|8|9|10") == "Dec-Oct 2010-2014"
    assert fmt.window("2015-01-01", "2015-04-01", "1|2|3|4") == "Jan-Apr 2015"
    assert fmt.window("2012-04-01", "2012-04-01", None, "quarter") == "2012 Q2"
    assert fmt.month("2014-11-01") == "Nov 2014"


def test_difference_units() -> None:
    assert (
        fmt.difference_unit("percent of the labour force")
        == "percentage points of the labour force"
    )
    assert fmt.difference_unit("per 1000 aged 18-66") == "per 1000 aged 18-66"
