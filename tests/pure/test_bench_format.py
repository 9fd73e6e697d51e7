"""The one duration/rate/size formatter that ``jinfer bench`` and ``bench/`` print with."""

from __future__ import annotations

import pytest

from jinfer._bench import duration, rate, size


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.0, "0 ns"),
        (8.5e-7, "850 ns"),
        (1.2345e-5, "12.3 µs"),
        (9.997e-4, "1 ms"),  # rounded before the unit is chosen: never "1e+03 µs"
        (4.5612e-3, "4.56 ms"),
        (0.2, "200 ms"),
        (1.2, "1.2 s"),
        (1234.5, "1230 s"),
    ],
)
def test_duration_has_three_significant_digits_below_1000_of_its_unit(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def test_rate_and_size() -> None:
    assert rate(12345.6) == "12,346 rows/s"
    assert [size(n) for n in (512, 1e3, 2.5e4, 1e8, 3e9)] == ["512 B", "1 KB", "25 KB", "100 MB", "3 GB"]
