"""Reports: ``results.json`` + CSV tables + a self-contained ``report.html`` for one run
(:func:`run_study`, :func:`write_outputs`), and the endurance sweep report
(:mod:`neurosim.sweep.report`). Formats: docs/results_format.md, docs/report.md."""
from .results import (RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, OutputExists, jsonable, load_results, new_out_dir,
                      results_dict)
from .study import Study, render_report, run_study, write_outputs

__all__ = ["run_study", "write_outputs", "render_report", "Study", "results_dict", "load_results", "jsonable",
           "new_out_dir", "OutputExists", "RESULTS_SCHEMA", "RESULTS_SCHEMA_VERSION"]
