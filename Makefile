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

.PHONY: setup venv gradle maven jars demo test test-java test-python test-torch test-compat test-h2o test-tf dist lint lint-python lint-java format format-java bench bench-all bench-quick bench-h2o bench-batching bench-outputs bench-startup soak clean fuzz spark-venv test-spark bench-spark

setup: venv jars maven

# Debian's Gradle (4.4.1): the plugin portal and Gradle's own downloads are not reachable here.
gradle:
	@command -v $(GRADLE) >/dev/null 2>&1 || { \
	  echo "== installing Debian's gradle"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq gradle >/dev/null; }

# Maven: the example Maven build (tests/shipping/), and `gradle publish` on Gradle 4, which deploys
# through Maven's deploy-file (gradle/publishing.gradle says why).
maven:
	@command -v mvn >/dev/null 2>&1 || { \
	  echo "== installing Debian's maven"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq maven >/dev/null; }

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
	$(GRADLE) $(GRADLE_FLAGS) checkstyleMain checkstyleCli checkstyleTest checkstyleIntegrationTest checkstyleBench checkstyleFuzz
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

# Fuzzing (issue 10): coverage-guided fuzzers on every reader of untrusted bytes, each for
# FUZZ_SECONDS (tests/fuzz/targets.json lists them; Java under Jazzer, Python under atheris, from the
# fuzz extra). Not in `make test`, which replays their seeds and tests/fuzz/regressions/ instead.
FUZZ_SECONDS ?= 60
fuzz: setup $(VENV)/.fuzz-installed
	$(VPY) tests/fuzz/run.py --seconds $(FUZZ_SECONDS)

$(VENV)/.fuzz-installed: pyproject.toml $(VENV)/.installed
	$(VPY) -m pip install -q -e '.[fuzz]'
	touch $@

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

# The wheel (jinfer's jars inside, from python/jinfer/jars/) and the sdist (the same files), in dist/.
# The wheel is built from the sdist, so the sdist is proven complete. tests/shipping/ installs the
# wheel into a fresh venv and uses it from outside the checkout. docs/releasing.md.
dist: venv jars
	@echo "== wheel and sdist into dist/"
	rm -rf dist
	$(VPY) -m build --outdir dist . >build/dist.log 2>&1 || { cat build/dist.log; exit 1; }
	@ls dist

# The oldest versions pyproject.toml accepts (its lower bounds, scripts/oldest_requirements.py), in a
# venv of their own, through the export-and-parity tests: ONNX, PMML and python artifacts, and a
# python artifact carried between this venv and .venv (the newest, which `make test` uses).
# At these versions the libraries warn about their own use of deprecated APIs (Python 3.11's
# importlib.resources, onnx's); those warnings are shown, not turned into errors. The committed
# conformance vectors are written by the newest numpy (numpy 1 pickles object arrays with another
# protocol), so their byte-for-byte regeneration is left to `make test`.
# The jep extra too, so that the Jep host (a plain JVM embedding this venv's CPython) is tested at
# the lower bounds: pip builds it against the JDK (JAVA_HOME, above), about 30 s the first time.
COMPAT_VENV := build/venv-compat
COMPAT_TESTS := tests/jvm/test_roundtrip.py tests/jvm/test_pmml.py \
	tests/jvm/test_python_backend.py tests/jvm/test_cli.py tests/pure tests/compat \
	--deselect tests/pure/test_conformance.py::test_make_vectors_regenerates_the_committed_files
test-compat: setup $(COMPAT_VENV)/.installed
	@echo "== the oldest supported versions, in $(COMPAT_VENV)"
	$(COMPAT_VENV)/bin/python -m pip list 2>/dev/null | grep -iE '^(scikit-learn|numpy|ml[-_]dtypes|pandas|onnx|skl2onnx|sklearn2pmml|scipy|jep) '
	JINFER_OTHER_PYTHON=$(CURDIR)/$(VPY) $(COMPAT_VENV)/bin/python -m pytest -p no:faulthandler -q -W default $(COMPAT_TESTS)
$(COMPAT_VENV)/.installed: pyproject.toml VERSION scripts/oldest_requirements.py
	test -x $(COMPAT_VENV)/bin/python || $(PYTHON) -m venv $(COMPAT_VENV)
	$(VPY) scripts/oldest_requirements.py > build/oldest.txt
	$(COMPAT_VENV)/bin/python -m pip install -q -e '.[test,pmml,jep]' -c build/oldest.txt
	touch $@
# H2O-3: jinfer[h2o] (h2o 3.46.0.11, whose wheel carries the 270 MB H2O server) in a venv of its own,
# out of `make test` (which reports tests/jvm/test_h2o.py as skipped). The tests start a local H2O
# cluster on 127.0.0.1 (1 GB of heap, 2 threads) and shut it down.
H2O_VENV := build/venv-h2o
test-h2o: jars $(H2O_VENV)/.installed
	@echo "== H2O tests, in $(H2O_VENV) (jinfer[h2o]; a local H2O cluster on 127.0.0.1)"
	$(H2O_VENV)/bin/python -m pytest -p no:faulthandler -q tests/jvm/test_h2o.py
# The mojo backend against raw h2o-genmodel (and ONNX), written into docs/benchmarks.md.
bench-h2o: jars $(H2O_VENV)/.installed
	$(H2O_VENV)/bin/python bench/mojo.py
$(H2O_VENV)/.installed: pyproject.toml VERSION
	test -x $(H2O_VENV)/bin/python || $(PYTHON) -m venv $(H2O_VENV)
	$(H2O_VENV)/bin/python -m pip install -q -e '.[h2o]' 'pytest>=8'
	touch $@

# TensorFlow/Keras: jinfer[tf] (tensorflow-cpu and tf2onnx, about 600 MB) in a venv of its own, out of
# `make test` (which reports tests/jvm/test_keras.py as skipped).
TF_VENV := build/venv-tf
test-tf: jars $(TF_VENV)/.installed
	@echo "== TensorFlow/Keras tests, in $(TF_VENV) (jinfer[tf])"
	TF_CPP_MIN_LOG_LEVEL=2 $(TF_VENV)/bin/python -m pytest -p no:faulthandler -q tests/jvm/test_keras.py
$(TF_VENV)/.installed: pyproject.toml VERSION
	test -x $(TF_VENV)/bin/python || $(PYTHON) -m venv $(TF_VENV)
	$(TF_VENV)/bin/python -m pip install -q -e '.[tf]' 'pytest>=8'
	touch $@

bench: setup
	$(VPY) bench/run.py

# Every benchmark on docs/benchmarks.md, one after the other, for a page measured in one sitting on an
# idle machine (about 45 minutes; each writes its own section). The batching bench goes last: its 64
# threads leave the load average high for a minute, which the whole-process startup timings feel.
bench-all: bench bench-outputs bench-startup bench-spark bench-h2o bench-batching

# Soak (not in `make test`): jinfer under load for SOAK_SECONDS, Java, Python and run-java at once,
# every answer checked, resident memory flat after warm-up (tests/soak/run.py, docs/reliability.md).
SOAK_SECONDS ?= 300
soak: setup
	$(VPY) tests/soak/run.py $(SOAK_SECONDS)

bench-quick: setup
	$(VPY) bench/run.py --quick

# Reused outputs (issue 17, item 2): Model.run and predict against raw ORT Java at each batch size,
# and resident memory over a 60 s loop per way (bench/outputs.py; about 5 minutes).
bench-outputs: setup
	$(VPY) bench/outputs.py

bench-batching: setup
	$(VPY) bench/batching.py

# Time to first prediction: fresh Python processes and JVMs, jinfer against ONNX Runtime, with and
# without an application class-data archive (bench/startup.py; its section of docs/benchmarks.md).
bench-startup: setup
	$(VPY) bench/startup.py

clean:
	rm -rf build dist .gradle python/jinfer/jars
