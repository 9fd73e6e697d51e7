# jinfer: `make demo` and `make test` each set up everything on a fresh machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
GRADLE ?= gradle
GRADLE_FLAGS ?= --console=plain -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup venv gradle jars demo test test-java test-python test-torch lint lint-python lint-java format format-java bench bench-quick clean

setup: venv jars

# Debian's Gradle (4.4.1): the plugin portal and Gradle's own downloads are not reachable here.
gradle:
	@command -v $(GRADLE) >/dev/null 2>&1 || { \
	  echo "== installing Debian's gradle"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq gradle >/dev/null; }

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml VERSION
	@echo "== python venv with jinfer (editable) and its dependencies"
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q -e '.[test,pmml,xgboost,lightgbm,mlflow]'
	touch $@

# jinfer's jar and runtime jars into python/jinfer/jars/, plus the Java CLI in build/install/.
jars: gradle
	@echo "== gradle build: jar, runtime jars, Java CLI"
	$(GRADLE) $(GRADLE_FLAGS) pythonJars installDist

demo: setup
	@echo "== 1. Python: train, export, verify in the JVM, predict"
	$(VPY) examples/quickstart.py
	@echo "== 2. Java: a service loads the bundle and predicts, no Python involved"
	$(GRADLE) $(GRADLE_FLAGS) :java-service:run -Pbundle=$(CURDIR)/build/quickstart/iris.jinfer
	@echo "== 3. Java calls a real Python model (a FunctionTransformer no format can express), in-process"
	$(VPY) examples/python_model.py
	$(GRADLE) $(GRADLE_FLAGS) :java-service:classes
	PYTHONPATH=examples $(VPY) -m jinfer run-java -cp examples/java-service/build/classes/java/main \
	  com.example.PythonModelService build/examples/custom.jinfer

test: setup
	$(MAKE) lint test-java test-python

# Lint runs first in `make test`: Python (ruff, mypy strict, the import-layer contract) and Java
# (google-java-format, checkstyle). `make format` rewrites what the formatters would change.
lint: lint-python lint-java

format: venv gradle
	$(VENV)/bin/ruff format $(PY_LINT_PATHS)
	$(VENV)/bin/ruff check --fix $(PY_LINT_PATHS)
	$(GRADLE) $(GRADLE_FLAGS) formatJava

test-java: venv gradle
	@echo "== Java unit and integration tests"
	$(GRADLE) --console=plain test integrationTest

test-python: setup
	@echo "== pytest"
	$(VPY) -m pytest -p no:faulthandler -q tests

# Python lint: ruff (check and format), mypy strict, and the import-layer contract (pyproject.toml).
PY_LINT_PATHS := python tests scripts bench
lint-python: venv
	@echo "== ruff, mypy (strict), import contract"
	$(VENV)/bin/ruff check $(PY_LINT_PATHS)
	$(VENV)/bin/ruff format --check $(PY_LINT_PATHS)
	$(VPY) -m mypy
	$(VENV)/bin/lint-imports --no-cache

# Java lint: google-java-format (AOSP style) over every Java file, then checkstyle
# (config/checkstyle/checkstyle.xml) on the main, test, integrationTest and bench source sets.
# `make format-java` rewrites the files the first one lists.
lint-java: gradle
	@echo "== Java lint: google-java-format, checkstyle"
	@$(GRADLE) $(GRADLE_FLAGS) verifyJava || { echo "Java files are not formatted (listed above): run make format-java"; exit 1; }
	$(GRADLE) $(GRADLE_FLAGS) checkstyleMain checkstyleTest checkstyleIntegrationTest checkstyleBench

format-java: gradle
	$(GRADLE) $(GRADLE_FLAGS) formatJava

# PyTorch: PyPI has only the CUDA build of torch (~6 GB with its nvidia-* wheels), so it lives in its
# own venv, out of `make test` (which reports tests/jvm/test_torch.py as skipped, saying why).
TORCH_VENV := build/venv-torch
test-torch: jars
	@echo "== PyTorch tests, in $(TORCH_VENV) (jinfer[torch]: torch's CUDA build, ~6 GB)"
	test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install -q -e '.[test,pmml,torch,mlflow]'
	$(TORCH_VENV)/bin/python -m pytest -p no:faulthandler -q tests/jvm/test_torch.py

bench: setup
	$(VPY) bench/run.py

bench-quick: setup
	$(VPY) bench/run.py --quick

clean:
	rm -rf build .gradle python/jinfer/jars
