"""The test suite: one folder per feature package of workflow/ (see README), shared helpers
(helpers.py, arrange.py, catalogue.py, axe.py) and the fixtures in conftest.py files."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository
