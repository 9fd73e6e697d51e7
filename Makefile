# jinfer: `make demo` and `make test` each set up everything on a fresh machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
GRADLE ?= gradle
GRADLE_FLAGS ?= --console=plain -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jep (the jep extra) compiles against the JDK when pip builds it: JAVA_HOME from javac's real path if unset.
JAVA_HOME ?= $(patsubst %/bin/javac,%,$(realpath $(shell command -v javac)))
export JAVA_HOME

.PHONY: setup venv gradle jars demo test test-java test-python test-torch lint lint-python lint-java format format-java bench bench-quick clean spark-venv test-spark bench-spark

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
	$(VPY) -m pip install -q -e '.[test,pmml,xgboost,lightgbm,mlflow,jep]'
	touch $@

# jinfer's jar and runtime jars into python/jinfer/jars/, plus the Java CLI in build/install/.
# (The venv first: the Jep host compiles against the jar of its jep.)
jars: venv gradle
	@echo "== gradle build: jar, runtime jars, Java CLI"
	$(GRADLE) $(GRADLE_FLAGS) pythonJars installDist

demo: setup
	@echo "== 1. Python: train, export, verify in the JVM, predict"
	$(VPY) examples/quickstart.py
	@echo "== 2. Java: a service loads the bundle and predicts, no Python involved"
	$(GRADLE) $(GRADLE_FLAGS) :java-service:run -Pbundle=$(CURDIR)/build/quickstart/iris.jinfer
	@echo "== 3. Java calls a real Python model (a FunctionTransformer no format can express), in-process"
	$(VPY) examples/python_model.py
	@echo "== 3a. a plain JVM (gradle run) embeds the venv's CPython through Jep"
	$(GRADLE) $(GRADLE_FLAGS) :java-service:run -Pservice=com.example.PythonModelService \
	  -Pbundle=$(CURDIR)/build/examples/custom.jinfer -Ppython=$(CURDIR)/$(VPY)
	@echo "== 3b. the same program hosted by Python (jinfer run-java, JPype)"
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
	$(GRADLE) $(GRADLE_FLAGS) :jinfer-spark:checkstyleMain :jinfer-spark:checkstyleTest

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

# Spark (docs/spark.md): jinfer-spark from Java (JUnit, embedded local[2]) and from PySpark, in a venv
# of its own (pyspark 4.3.0 is a ~456 MB sdist that pip builds once; PySpark 4.3 needs pandas<3).
# Out of `make test`, which only compiles the subproject; .ci/run runs it after `make test`.
SPARK_VENV := build/venv-spark
SPARK_PY := $(SPARK_VENV)/bin/python
SPARK_ENV = SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$(CURDIR)/$(SPARK_PY)
SPARK_JARS_DIR = $$($(SPARK_PY) -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')
spark-venv: $(SPARK_VENV)/.installed
$(SPARK_VENV)/.installed: pyproject.toml VERSION
	@echo "== Spark venv $(SPARK_VENV): jinfer[spark] (the first install builds pyspark's sdist)"
	test -x $(SPARK_PY) || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_PY) -m pip install -q -e '.[test,spark]'
	touch $@

test-spark: jars spark-venv
	@echo "== Spark tests: jinfer-spark in local[2], from Java (JUnit) and from PySpark (pytest)"
	rm -rf build/spark-bundles
	$(SPARK_PY) tests/spark/bundles.py build/spark-bundles
	$(SPARK_ENV) $(GRADLE) --console=plain :jinfer-spark:test -PsparkJars="$(SPARK_JARS_DIR)" -PsparkBundles=$(CURDIR)/build/spark-bundles
	$(SPARK_ENV) $(SPARK_PY) -m pytest -p no:faulthandler -q tests/spark

bench-spark: jars spark-venv
	$(SPARK_ENV) $(SPARK_PY) bench/spark.py

bench: setup
	$(VPY) bench/run.py

bench-quick: setup
	$(VPY) bench/run.py --quick

clean:
	rm -rf build .gradle python/jinfer/jars
