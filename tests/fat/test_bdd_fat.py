"""The FAT steps through pytester: a feature that names a signal list, and one with the points inline."""

from __future__ import annotations

import pytest

from .lists import RIGHT, WRONG_ROWS, write_csv, write_xlsx, wrong_lines

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: FAT from a signal list
  Background:
    Given a connection to the RTU
    And data transfer is started

  Scenario: Right list
    Then the RTU matches the point list "right.csv"

  Scenario: Wrong list
    Then the RTU matches the point list "wrong.csv"

  Scenario: Wrong list as a workbook
    Then the RTU matches the point list "wrong.xlsx"

  Scenario: Broken list
    Then the RTU matches the point list "broken.csv"

  Scenario: Points inline
    Then the RTU matches these points:
      | name       | common_address | io_address | type      | expected_value | groups | command_io_address | command_type | command_value | restore |
      | Breaker Q0 | 47             | 100        | M_SP_NA_1 | ON             | 1      | 500                | C_SC_NA_1    | OFF           | yes     |
      | Voltage    | 47             | 301        | M_ME_NC_1 | 225..235       | 2      |                    |              |               |         |

  Scenario: Commands of their own, one without return information
    Then the RTU matches these points:
      | name  | common_address | io_address | type      | command_value | return_io_address |
      | Close | 47             | 502        | C_DC_NA_1 | ON            | 200               |
      | Reset | 47             | 500        | C_SC_NA_1 | ON            | none              |

  Scenario: Points inline, one wrong
    Then the RTU matches these points without commands:
      | name       | common_address | io_address | type      | expected_value |
      | Tap        | 47             | 310        | M_ST_NA_1 | 7              |
"""


def run_features(pytester: pytest.Pytester) -> pytest.RunResult:
    features = pytester.path / "features"
    features.mkdir()
    (features / "fat.feature").write_text(FEATURE, encoding="utf-8")
    write_csv(features / "right.csv", RIGHT)
    write_csv(features / "wrong.csv", wrong_lines())
    write_xlsx(features / "wrong.xlsx", wrong_lines())
    write_csv(features / "broken.csv", ["A,47,100,M_SP_NA_1,maybe,,,,,,,,,,,"])
    pytester.makepyfile(test_fat='from pytest_bdd import scenarios\n\nscenarios("features")\n')
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--c104-timeout", "3")


def test_fat_steps(pytester: pytest.Pytester) -> None:
    result = run_features(pytester)
    result.assert_outcomes(passed=3, failed=4)
    text = result.stdout.str()
    # the failure sections only: with CI set, pytest repeats whole messages in its short summary
    failures = text.split("short test summary info")[0]
    assert failures.count(f"StepFailed: {len(WRONG_ROWS)} of {len(wrong_lines())} points failed:") == 2
    for row, (_, words) in WRONG_ROWS.items():
        assert f"row {row} (" in text and words in text
    assert "StepUsageError: " in text and "broken.csv, row 2, column 'expected_value'" in text
    assert "row 2 (Tap, CA 47 IOA 310): fail: value 5, expected 7" in text
