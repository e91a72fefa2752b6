"""Only the optional C extension lives here; all other metadata is in pyproject.toml."""

from setuptools import Extension, setup

# optional=True: without a C compiler (or Python headers) the install still succeeds and
# akhbar.checks uses its pure-Python span scan, which gives the same answers.
setup(ext_modules=[Extension("akhbar._speedups", ["tools/akhbar/_speedups.c"], optional=True)])
