"""Reproductions of neurosim's anchor studies (docs/results.md).

``neurosim study espine`` / ``neurosim study read-endurance`` run :func:`run_study_plan` on the plans in
``studies/*.yaml`` and write the folder with :func:`write_study`. :func:`make_plastic` is the
documented transform that makes every workload learn on chip for the write-lifetime study.
"""
from .core import STUDIES, StudyResult, load_plan, run_study_plan
from .output import write_study
from .plastic import PLASTIC_DEFAULTS, make_plastic, plastic_projections

__all__ = ["make_plastic", "plastic_projections", "PLASTIC_DEFAULTS", "run_study_plan", "load_plan",
           "write_study", "StudyResult", "STUDIES"]
