"""What FAT and conformance runs share: results as data and JSON, and the report forms.

- :mod:`.results`: ``RunResults`` and ``ItemResult``, the ``results.json`` contract
- :mod:`.writers`: ``results.json``, ``junit.xml``, ``report.html``, ``report.xlsx``
- :mod:`.chart`: evidence frames as an inline SVG sequence chart
"""

from .results import VERDICTS, Frame, ItemResult, RunResults, load_results
from .writers import write_reports

__all__ = ["VERDICTS", "Frame", "ItemResult", "RunResults", "load_results", "write_reports"]
