"""The ``jinfer`` command line. Verbs and flags match the Java CLI (``build/install/jinfer/bin/jinfer``).

Exit codes: 0 ok, 1 verification failed, 2 bad usage or bad input (a corrupt bundle included).
Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from tqdm import tqdm

from ._bench import bench_bundle, format_rows, parse_batches
from ._bundle import Bundle, npz_bytes, scratch, write_atomically
from ._exceptions import BackendError, BundleError, InputError, JinferError, ParityError
from ._export import export, from_mlflow
from ._limits import Limits
from ._npy import read_npy, read_npz
from ._parity import compare
from ._runtime.model import load
from ._runtime.runjava import run_java
from ._version import __version__

__all__ = ["main"]

OK, FAILED, USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or bad input files: exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jinfer", description="Export, inspect, verify and run jinfer bundles.")
    p.add_argument("--version", action="version", version=f"jinfer {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="verb", required=True)

    e = sub.add_parser("export", help="export a pickled/joblib model, or an MLflow model directory, to a bundle")
    e.add_argument("model_file", nargs="?", help="a joblib/pickle file of a fitted model")
    e.add_argument("--from-mlflow", metavar="DIR", help="an MLflow model directory (with its MLmodel file)")
    e.add_argument(
        "--sample",
        help="sample inputs: .npy, .npz or .csv (header row); required with MODEL_FILE, "
        "optional with --from-mlflow (default: the model's input example)",
    )
    e.add_argument("-o", "--output", required=True, help="the bundle to write (.jinfer)")
    e.add_argument("--format", default=None, help="comma-separated formats, best first (default: all)")
    e.add_argument("--name")
    e.add_argument("--version", dest="model_version", default="0.0.0")
    e.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default=None,
        help="float type of inputs and outputs (default: float32, or float64 where a scikit-learn model needs it;"
        " with --from-mlflow, the signature's)",
    )

    i = sub.add_parser("inspect", help="manifest, artifacts, parity figures, input/output specs")
    i.add_argument("bundle")
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")

    v = sub.add_parser("verify", help="re-run the stored parity sample through the Java backend")
    v.add_argument("bundle")
    v.add_argument("--backend")
    v.add_argument("--trust-python", action="store_true", help="allow python artifacts to be unpickled (runs code)")
    _non_finite_flag(v)

    rj = sub.add_parser("run-java", help="run a Java main inside this Python, with the python backend")
    rj.add_argument("-cp", "--classpath", default="", help="the Java program's classpath (':'-separated)")
    rj.add_argument("main_class")
    rj.add_argument("args", nargs=argparse.REMAINDER)

    pr = sub.add_parser("predict", help="run a bundle on .npy/.npz/.csv inputs")
    pr.add_argument("bundle")
    pr.add_argument("--input", required=True)
    pr.add_argument("--output", help=".npz, .npy or .csv (default: CSV on stdout)")
    pr.add_argument("--backend")
    pr.add_argument("--trust-python", action="store_true", help="allow python artifacts to be unpickled (runs code)")
    _warmup_flag(pr, "0: predict runs once, and a warm-up would only delay its answer")
    _non_finite_flag(pr)
    bn = sub.add_parser("bench", help="latency and rows/s of a bundle through the Java backend")
    bn.add_argument("bundle")
    bn.add_argument("--batch", default="1,64,1024", help="comma-separated batch sizes (default: 1,64,1024)")
    bn.add_argument("--threads", type=int, default=1, help="threads predicting at once on one shared model")
    bn.add_argument("--backend")
    bn.add_argument("--trust-python", action="store_true", help="allow python artifacts to be unpickled (runs code)")
    _warmup_flag(bn, "jinfer.load's")
    _non_finite_flag(bn)
    return p


def _warmup_flag(verb: argparse.ArgumentParser, default: str) -> None:
    verb.add_argument(
        "--warmup",
        type=_calls,
        metavar="N",
        help=f"predictions on the bundle's parity sample at load, so that the first calls run at full speed "
        f"(default: {default})",
    )


def _calls(text: str) -> int:
    """A count of calls, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more calls, got {text!r}")
    return n


def _non_finite_flag(verb: argparse.ArgumentParser) -> None:
    verb.add_argument(
        "--allow-non-finite",
        action="store_true",
        help="let NaN and infinities through to a model that handles missing values "
        "(refused by default; verify and bench always allow their recorded sample)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on bad usage, 0 on --help/--version
        return int(e.code or 0)
    try:
        return int(globals()[f"_cmd_{args.verb.replace('-', '_')}"](args))
    except (UsageError, InputError, BundleError, ParityError, OSError, ValueError, ImportError) as e:
        return _fail(args, e, USAGE)
    except JinferError as e:
        return _fail(args, e, FAILED if isinstance(e, ParityError) else USAGE)
    except Exception as e:  # noqa: BLE001 - the last resort, as the Java CLI's: one line, never a traceback
        return _fail(
            args,
            f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback, and please report it)",
            FAILED,
        )


def _fail(args: argparse.Namespace, e: BaseException | str, code: int) -> int:
    if args.debug:
        traceback.print_exc()
    message = one_line(str(e))
    if getattr(e, "code", None) == "UNTRUSTED_ARTIFACT":  # the runtime names the APIs, not this CLI
        message += "; on this command line: --trust-python"
    print(f"jinfer: error: {message}", file=sys.stderr)
    return code


def one_line(text: str) -> str:
    """Newlines and the spaces around them folded into one space, as the Java CLI does."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


# ---------------------------------------------------------------- verbs


def _cmd_export(args: argparse.Namespace) -> int:
    if (args.model_file is None) == (args.from_mlflow is None):
        raise UsageError("export: give either MODEL_FILE or --from-mlflow DIR")
    formats = args.format.split(",") if args.format else None
    if args.from_mlflow is not None:
        X = _one_sample(args.sample) if args.sample is not None else None
        with warnings.catch_warnings(record=True) as caught, _temp_beside(args.output):
            warnings.simplefilter("always")
            bundle = from_mlflow(
                args.from_mlflow,
                args.output,
                X_sample=X,
                name=args.name,
                version=args.model_version,
                formats=formats,
                dtype=args.dtype,
            )
        return _exported(bundle, caught)
    model_file = Path(args.model_file)
    if not model_file.is_file():
        raise UsageError(f"no model file at {model_file}")
    if args.sample is None:
        raise UsageError("export: --sample FILE is required with MODEL_FILE")
    try:
        model = joblib.load(model_file)
    except Exception as e:  # noqa: BLE001 - any failure to unpickle is the file's fault: one line, exit 2
        raise UsageError(f"{model_file}: cannot be loaded with joblib: {type(e).__name__}: {e}") from None
    X = _one_sample(args.sample)
    with warnings.catch_warnings(record=True) as caught, _temp_beside(args.output):
        warnings.simplefilter("always")
        bundle = export(
            model,
            X,
            args.output,
            name=args.name or model_file.stem,
            version=args.model_version,
            formats=formats,
            dtype=args.dtype,
        )
    return _exported(bundle, caught)


@contextlib.contextmanager
def _temp_beside(output: str) -> Iterator[None]:
    """This process's temporary files (the converters' libraries' too) in a scratch directory
    beside ``output``, so that a killed export leaves nothing but the one pattern there."""
    with scratch(output) as work:
        before, tempfile.tempdir = tempfile.tempdir, str(work)
        try:
            yield
        finally:
            tempfile.tempdir = before


def _one_sample(path: str) -> np.ndarray:
    sample = read_inputs(Path(path))
    if len(sample) != 1:
        raise UsageError(f"--sample: expected one array, got {len(sample)} ({sorted(sample)})")
    return next(iter(sample.values()))


def _exported(bundle: Bundle, caught: list[warnings.WarningMessage]) -> int:
    for w in caught:
        print(f"jinfer: warning: {one_line(str(w.message))}", file=sys.stderr)
    print(f"wrote {bundle.path} with {', '.join(a.backend for a in bundle.manifest.artifacts)}")
    _print_parity(bundle)
    return OK


def _cmd_inspect(args: argparse.Namespace) -> int:
    with Bundle.open(args.bundle) as b:
        m = b.manifest
        if args.json:
            print(m.to_json().decode())
            return OK
        print(f"{m.name} {m.version}  ({m.task}, created {m.created_at})")
        if m.description:
            print(f"  {m.description}")
        print(f"  bundle: {b.path} ({'zip' if b.is_zip else 'directory'})")
        print("  inputs:")
        for s in m.inputs:
            print(f"    {s.name}: {s.dtype} {list(s.shape)}" + (f" columns={list(s.columns)}" if s.columns else ""))
        print("  outputs:")
        for s in m.outputs:
            print(f"    {s.name}: {s.dtype} {list(s.shape)}")
        if m.classes is not None:
            print(f"  classes: {list(m.classes)}")
        libs = _mapping(m.producer.get("libraries"))
        print(
            f"  producer: jinfer {_text(m.producer.get('jinfer'))}, python {_text(m.producer.get('python'))}, "
            + ", ".join(f"{k} {_text(v)}" for k, v in libs.items())
        )
        print("  artifacts (preference order):")
        for a in m.artifacts:
            print(f"    {a.backend:<6} {a.path}  {a.bytes} bytes  sha256 {a.sha256[:12]}…")
        _print_parity(b)
    return OK


def _cmd_verify(args: argparse.Namespace) -> int:
    with Bundle.open(args.bundle) as b:
        inputs, expected = b.parity_inputs(), b.parity_expected()
        artifacts = [a for a in b.manifest.artifacts if args.backend in (None, a.backend)]
        if not artifacts:
            raise UsageError(
                f"--backend {args.backend}: the bundle has only {[a.backend for a in b.manifest.artifacts]}"
            )
        if not inputs:
            raise UsageError(f"{b.path} has no parity sample (parity/inputs.npz)")
    ok = True
    for a in tqdm(artifacts, desc="verify", unit="artifact", disable=not sys.stderr.isatty()):
        parity = a.parity or {}
        try:
            # the recorded sample is the model's own: its NaN, if any, were answered at export
            with load(args.bundle, backend=a.backend, trust_python=args.trust_python, allow_non_finite=True) as m:
                actual = {k: np.array(v) for k, v in m.predict(inputs).items()}
        except (BackendError, InputError) as e:  # the artifact fails here, as in the Java CLI
            ok = False
            what = "the backend failed" if isinstance(e, BackendError) else "the backend refused the recorded inputs"
            print(f"{a.backend}: FAIL ({what}: {one_line(str(e))})")
            continue
        result = compare(
            expected, actual, rtol=_number(parity.get("rtol"), 1e-5), atol=_number(parity.get("atol"), 1e-6)
        )
        ok = ok and result["passed"]
        print(f"{a.backend}: {'PASS' if result['passed'] else 'FAIL'} on {result['rows']} rows")
        for name, f in result["outputs"].items():
            print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in f.items()))
    return OK if ok else FAILED


def _cmd_bench(args: argparse.Namespace) -> int:
    rows = bench_bundle(
        args.bundle,
        parse_batches(args.batch),
        args.threads,
        args.backend,
        trust_python=args.trust_python,
        warmup=args.warmup,
    )
    print(format_rows(rows, title=Path(args.bundle).name))
    return OK


def _cmd_run_java(args: argparse.Namespace) -> int:
    return run_java(args.main_class, args.args, args.classpath)


def _cmd_predict(args: argparse.Namespace) -> int:
    with load(
        args.bundle,
        backend=args.backend,
        trust_python=args.trust_python,
        allow_non_finite=args.allow_non_finite,
        warmup=args.warmup or 0,
    ) as m:
        feeds = read_inputs(Path(args.input), m)
        out = m.predict(feeds)
    write_outputs(out, Path(args.output) if args.output else None)
    return OK


# ---------------------------------------------------------------- files


def read_inputs(path: Path, model: Any = None) -> dict[str, np.ndarray]:
    """Arrays from .npy (the single input), .npz (by input name) or .csv (header = columns)."""
    if not path.is_file():
        raise UsageError(f"no input file at {path}")
    suffix = path.suffix.lower()
    single = model.inputs[0] if model is not None and len(model.inputs) == 1 else None
    limits = Limits()
    if path.stat().st_size > limits.max_entry_bytes:
        raise InputError(f"{path} is {path.stat().st_size} bytes, over the bound of {limits.max_entry_bytes}")
    if suffix == ".npy":
        arr = read_npy(path.read_bytes(), str(path), limits)
        return {single.name if single else "features": arr}
    if suffix == ".npz":
        return read_npz(path, str(path), limits)
    if suffix == ".csv":
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                rows = [r for r in csv.reader(f) if r]
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(f"{path}: not a readable CSV file: {e}", code="INVALID_CSV") from None
        if len(rows) < 1:
            raise InputError(f"{path}: empty CSV; expected a header row of column names", code="INVALID_CSV")
        header, body = rows[0], rows[1:]
        for i, r in enumerate(body):
            if len(r) != len(header):
                raise InputError(
                    f"{path}: data row {i + 1}: expected {len(header)} cells like the header, got {len(r)}",
                    code="INVALID_CSV",
                )
        dtype = np.dtype(single.dtype) if single is not None and single.dtype != "string" else np.float64
        if single is not None and single.columns and list(single.columns) != header:
            raise InputError(
                f"{path}: columns {header} do not match the model's {list(single.columns)}", code="INVALID_CSV"
            )
        try:
            arr = np.array([[float(v) for v in r] for r in body], dtype=dtype).reshape(len(body), len(header))
        except (ValueError, OverflowError) as e:
            raise InputError(f"{path}: expected numbers in every cell: {e}", code="INVALID_VALUE") from None
        return {single.name if single else "features": arr}
    raise UsageError(f"{path}: expected a .npy, .npz or .csv file, got {suffix or 'no extension'}")


def write_outputs(out: dict[str, np.ndarray], path: Path | None) -> None:
    """The outputs as CSV on stdout, or to ``path`` (.csv, .npz, .npy) atomically: a full disk or a
    killed process leaves the old file or none, never a part."""
    if path is None:
        sys.stdout.write(_to_csv(out))
        return
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = _to_csv(out).encode("utf-8")
    elif suffix == ".npz":
        data = npz_bytes({k: np.asarray(v) for k, v in out.items()})
    elif suffix == ".npy":
        if len(out) != 1:
            raise UsageError(f"{path}: .npy holds one array but the model has outputs {sorted(out)}; use .npz")
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.asarray(next(iter(out.values()))), allow_pickle=False)
        data = buf.getvalue()
    else:
        raise UsageError(f"{path}: expected .npz, .npy or .csv")
    write_atomically(path, data)


def _to_csv(out: dict[str, np.ndarray]) -> str:
    cols: list[tuple[str, np.ndarray]] = []
    rows = {name: np.asarray(arr).shape[:1] for name, arr in out.items()}
    if len(set(rows.values())) > 1 or () in rows.values():
        raise UsageError(
            f"the outputs are not one row each per input row (shapes {[list(np.shape(a)) for a in out.values()]}); "
            "CSV cannot hold them: write --output FILE.npz"
        )
    for name, arr in out.items():
        a = np.asarray(arr)
        if a.ndim == 1:
            cols.append((name, a))
        else:
            a2 = a.reshape(a.shape[0], -1)
            cols.extend((f"{name}_{j}", a2[:, j]) for j in range(a2.shape[1]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in cols])
    n = len(cols[0][1]) if cols else 0
    for i in range(n):
        w.writerow([c[1][i].item() if hasattr(c[1][i], "item") else c[1][i] for c in cols])
    return buf.getvalue()


def _print_parity(b: Bundle) -> None:
    print("  parity (through Java, recorded at export):")
    for a in b.manifest.artifacts:
        p = a.parity or {}
        print(
            f"    {a.backend}: {'passed' if p.get('passed') is True else 'FAILED'} on {_text(p.get('rows'))} rows "
            f"(rtol {_text(p.get('rtol'))}, atol {_text(p.get('atol'))})"
        )
        for name, f in _mapping(p.get("outputs")).items():
            f = _mapping(f)
            print(
                f"      {name}: max abs {_text(f.get('max_abs_error'))}, max rel {_text(f.get('max_rel_error'))}, "
                f"mismatches {_text(f.get('mismatches'))}"
            )


# The manifest's free-form parts (producer, parity) may hold anything: the CLI prints what it can.


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "?" if value is None or isinstance(value, (dict, list)) else str(value)


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default
