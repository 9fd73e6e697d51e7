"""What a JVM running jinfer leaves in the temp directory: nothing, even when killed.

ONNX Runtime's jar extracts its native libraries into a fresh ``onnxruntime-java*`` folder per JVM,
and its telemetry leaves an empty ``mat-debug-PID.log`` per process. jinfer extracts the libraries
once into a cache folder that every JVM reuses, turns the telemetry off where it starts the JVM
(``ORT_DISABLE_TELEMETRY=1``), and removes the log at exit where it does not.
Every run here has a temp directory and a cache of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jinfer._runtime.jvm import classpath

ROOT = Path(__file__).resolve().parents[2]
JAVA_CLI = ROOT / "build" / "install" / "jinfer" / "bin" / "jinfer"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A temp directory, a cache, and the environment that points a child at them."""
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "JAVA_TOOL_OPTIONS")}
    env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache), JAVA_OPTS=f"-Djava.io.tmpdir={tmp}")
    return tmp, cache, env


def native_folders(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "jinfer" / "native").iterdir()) if (cache / "jinfer").exists() else []


def test_the_java_cli_leaves_nothing_and_reuses_one_library_folder(
    bundles: dict[str, Path], dirs: tuple[Path, Path, dict[str, str]]
) -> None:
    tmp, cache, env = dirs
    for _ in range(2):
        r = subprocess.run(
            [str(JAVA_CLI), "verify", str(bundles["logreg-float32"])], env=env, capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp)) == []
    (folder,) = native_folders(cache)
    assert folder.startswith("onnxruntime-linux-") and (cache / "jinfer" / "native" / folder / ".complete").is_file()


def test_a_plain_java_service_with_telemetry_on_and_a_long_command_line_lives_and_removes_its_log(
    bundles: dict[str, Path], dirs: tuple[Path, Path, dict[str, str]]
) -> None:
    # ONNX Runtime 1.29's telemetry runs std::regex over the command line as its environment starts,
    # about 250 bytes of stack per character: on a JVM thread's 1 MiB stack a command line of 4 KB
    # (this classpath in a temp folder) killed the JVM with SIGSEGV and no hs_err file. jinfer starts
    # the environment on a thread sized for the command line; 40 KB of it would need 10 MiB.
    tmp, _, env = dirs
    java = str(Path(os.environ["JAVA_HOME"], "bin", "java")) if os.environ.get("JAVA_HOME") else "java"
    # the library's jars and the CLI's (a jar of its own since issue 14), as the distribution has them
    cp = os.pathsep.join([*classpath(), str(JAVA_CLI.parent.parent / "lib" / "*")])
    bundle = str(bundles["logreg-float32"])
    padding = f"-Djinfer.test.padding={'x' * 40_000}"
    command = [java, f"-Djava.io.tmpdir={tmp}", padding, "-cp", cp, "io.jinfer.cli.Main", "verify", bundle]
    r = subprocess.run(command, env=env, capture_output=True, text=True)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert [n for n in os.listdir(tmp) if n.startswith(("mat-debug", "onnxruntime-java"))] == []


SERVE = """
    import sys, time
    import numpy as np
    import jinfer
    m = jinfer.load(sys.argv[1])
    m.predict(np.zeros((2, 4), dtype=np.float32))
    print("ready", flush=True)
    time.sleep(600)
"""


def test_a_killed_python_hosted_jvm_leaves_nothing(
    bundles: dict[str, Path], dirs: tuple[Path, Path, dict[str, str]]
) -> None:
    tmp, cache, env = dirs
    for _ in range(2):
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SERVE), str(bundles["logreg-float32"])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        ready = proc.stdout.readline().strip()
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        assert ready == "ready", err
    assert sorted(os.listdir(tmp)) == []
    assert len(native_folders(cache)) == 1
