"""Run the fuzzers of tests/fuzz/targets.json, each for a time box: ``make fuzz`` (FUZZ_SECONDS).

    python tests/fuzz/run.py --seconds 60 [TARGET ...]     (default: every target)

Java targets run under Jazzer (``gradle fuzzJava``), Python ones under atheris (this script runs
itself with ``--atheris NAME``). Each keeps its working corpus in build/fuzz/corpus/NAME (the
committed seeds are read, never written) and writes a finding to build/fuzz/findings/NAME/. A
finding stops the run with exit 1: minimise it (``-minimize_crash=1``), fix the reader, and commit
the minimised input under tests/fuzz/regressions/NAME/, which ``make test`` replays.
Every run appends a line to build/fuzz/log.tsv: the date, target, seconds, corpus size, result.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = json.loads((ROOT / "tests" / "fuzz" / "targets.json").read_text(encoding="utf-8"))
BUILD = ROOT / "build" / "fuzz"


def corpus_size(name: str) -> int:
    return sum(1 for p in (BUILD / "corpus" / name).glob("*") if p.is_file())


def run_one(name: str, seconds: int) -> int:
    target = TARGETS[name]
    (BUILD / "corpus" / name).mkdir(parents=True, exist_ok=True)
    (BUILD / "findings" / name).mkdir(parents=True, exist_ok=True)
    print(f"== fuzz {name} ({'Jazzer' if 'java' in target else 'atheris'}, {seconds} s)", flush=True)
    if "java" in target:
        gradle = os.environ.get("GRADLE", "gradle")
        cmd = [gradle, "--console=plain", "-q", "fuzzJava", f"-Ptarget={name}", f"-PfuzzSeconds={seconds}"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--atheris", name, str(seconds)]
    rc = _run_quietly(cmd)
    with open(BUILD / "log.tsv", "a", encoding="utf-8") as log:
        stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        log.write(f"{stamp}\t{name}\t{seconds}\t{corpus_size(name)}\t{'ok' if rc == 0 else f'finding (exit {rc})'}\n")
    print(f"== {name}: {'ok' if rc == 0 else 'FINDING'}, corpus {corpus_size(name)} inputs", flush=True)
    return rc


# Jazzer lists every class it instruments, and libFuzzer every new input: not worth a terminal
_NOISE = re.compile(r"INFO: Instrument|#\d+\s+(NEW|REDUCE|pulse)\b|DefaultValidationEventHandler: ")


def _run_quietly(cmd: list[str]) -> int:
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as p:
        assert p.stdout is not None
        for line in p.stdout:
            if not _NOISE.match(line):
                print(line, end="", flush=True)
    return p.returncode


def minimize(name: str, finding: Path) -> int:
    """Shrink a finding to the smallest input that still fails: tests/fuzz/regressions/NAME/."""
    out = ROOT / "tests" / "fuzz" / "regressions" / name / finding.name.replace("crash-", "").replace("timeout-", "")
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = ["-minimize_crash=1", "-runs=100000", f"-exact_artifact_path={out}", str(finding.resolve())]
    if "java" in TARGETS[name]:
        gradle = os.environ.get("GRADLE", "gradle")
        cmd = [gradle, "--console=plain", "-q", "fuzzJava", f"-Ptarget={name}", f"-PfuzzFlags={' '.join(flags)}"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--atheris", name, "0", *flags]
    _run_quietly(cmd)
    print(f"minimised to {out} ({out.stat().st_size} bytes)" if out.is_file() else "minimising failed")
    return 0 if out.is_file() else 1


def _launcher(name: str) -> Path:
    """An executable that runs this target: libFuzzer runs its argv[0] again to minimise a crash."""
    path = BUILD / f"atheris-{name}.sh"
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" --atheris {name} 0 "$@"\n')
    path.chmod(0o755)
    return path


def atheris_main(name: str, seconds: int, flags: list[str]) -> None:
    import atheris  # the fuzz extra: pip install 'jinfer[fuzz]' (make fuzz installs it)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    with atheris.instrument_imports(include=["jinfer"]):
        import targets
    seeds = [str(ROOT / s) for s in TARGETS[name]["seeds"] if (ROOT / s).is_dir()]
    args = flags or [
        f"-max_total_time={seconds}",
        "-timeout=10",
        "-rss_limit_mb=2560",
        f"-artifact_prefix={BUILD / 'findings' / name}/",
        str(BUILD / "corpus" / name),
        *seeds,
    ]
    atheris.Setup([str(_launcher(name)), *args], targets.TARGETS[TARGETS[name]["python"]])
    atheris.Fuzz()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    p.add_argument("--minimize", nargs=2, metavar=("NAME", "FINDING"), help="shrink a finding into regressions/")
    p.add_argument("targets", nargs="*", help="targets of tests/fuzz/targets.json (default: all)")
    if sys.argv[1:2] == ["--atheris"]:  # this script, run by itself: --atheris NAME SECONDS [FLAGS]
        atheris_main(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
        return 0
    args = p.parse_args()
    if args.minimize:
        return minimize(args.minimize[0], Path(args.minimize[1]))
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        p.error(f"no fuzz targets {unknown}; tests/fuzz/targets.json has {sorted(TARGETS)}")
    failed = [name for name in args.targets or TARGETS if run_one(name, args.seconds) != 0]
    if failed:
        print(f"fuzz: findings in {failed}: see build/fuzz/findings/", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
