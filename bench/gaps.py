"""The notes under the targets table: for each missed target, where the time goes (from this
run's own figures) and what would close the gap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common import Point, Results
from jinfer._bench import duration


def _med(p: Point | None) -> str:
    return "?" if p is None else duration(p.median)


def _java_vs_raw(r: Results, batch: int, m: str) -> str:
    j, o = r.get("latency", "jinfer-java", batch, m), r.get("latency", "ort-java", batch, m)
    lj, lo = r.get("latency", "jinfer-java", 10_000, "logreg"), r.get("latency", "ort-java", 10_000, "logreg")
    text = f"jinfer {_med(j)} against raw {_med(o)} per call." + _overlap(j, o) + _busy(r, "java")
    text += (
        " `predict` hands each call's outputs to the caller, so they are fresh memory: up to 16 KiB cut "
        "from a direct slab of the calling thread (`FreshSlabs`), larger ones allocated alone "
        "(`ByteBuffer.allocateDirect`: zeroed, and freed when the Java heap is collected). `Model.run` "
        "reuses pooled buffers instead (its own row); what both add is the input check, most of it the "
        "refusal of NaN, which reads every input value once."
    )
    if j is not None and o is not None and j.median > 2 * j.min:
        text += (
            f" This run's blocks split in two: the fastest took {duration(j.min)} ({j.min / o.median:.2f}x "
            f"raw's median), the median {_med(j)}. The same harness on `logreg` alone, on an idle machine, "
            "gave 1.19-1.25x at batch 1,024 in two runs (2026-12-01), so the slow blocks depend on what ran "
            "before them in the same JVM; why was not found."
        )
    if lj is not None and lo is not None and lj.median > 1.2 * lo.median:
        text += (
            f" Where the model is cheap and the outputs large the fresh memory shows: logreg at batch 10,000 "
            f"takes {_med(lj)} in `predict` against {_med(lo)} raw."
        )
    return text


def _overlap(a: Point | None, b: Point | None) -> str:
    """Says so when the two figures' min – max ranges overlap by much: the ratio is within noise."""
    if a is None or b is None:
        return ""
    lo, hi = max(a.min, b.min), min(a.max, b.max)
    if hi <= lo:
        return ""
    share = (hi - lo) / max(min(a.max - a.min, b.max - b.min), 1e-12)
    return " The two ranges overlap widely, so this ratio is within the run's noise." if share > 0.5 else ""


def _handover(r: Results) -> str:
    big, small = r.get("handover", "zero-copy", 10**8), r.get("handover", "zero-copy", 10**3)
    if big is None or small is None:
        return ""
    off = r.get("handover", "zero-copy-no-prompt", 10**8)
    diag = (
        ""
        if off is None
        else (
            f" With the prompt switched off (a diagnostic series), the median 100 MB "
            f"handover is {duration(off.median)}."
        )
    )
    return (
        f"The fastest 100 MB call took {duration(big.min)} and the median 1 KB call {duration(small.median)}, so the "
        f"handover itself does not grow with size; the slow calls (up to {duration(big.max)}) are the JVM's "
        "own collections and JPype releasing what they freed, which needs the GIL." + diag
    )


def _copy(r: Results, series: str) -> str:
    a, mc = r.get("handover", series, 10**8), r.get("handover", "memcpy", 10**8)
    own = r.get("handover", "numpy-" + series.split("-")[1], 10**8)
    if a is None or mc is None:
        return ""
    own_txt = (
        "" if own is None else (f"numpy's own copy of the same input (`np.ascontiguousarray`) takes {_med(own)}, so ")
    )
    return (
        f"`to_java` took {_med(a)} (fastest {duration(a.min)}) against memcpy's {_med(mc)}; {own_txt}the copy path "
        "runs at numpy's own speed. What is left is numpy's copy into 100 MB of fresh pages (each first "
        "touched, and zeroed by the kernel) where memcpy writes into an array that exists; a fresh copy "
        "per call is needed because the Tensor `to_java` returns is the caller's to keep. Only "
        "`Model.predict`, after which Java keeps no input, could copy into one reused staging buffer."
    )


def _python(r: Results, batch: int, m: str) -> str:
    if batch != 1:
        j, o = r.get("latency", "jinfer-python", batch, m), r.get("latency", "ort-python", batch, m)
        return (
            f"jinfer {_med(j)} against onnxruntime {_med(o)}: at this size the time is the runtime's, "
            "and the difference is the pinned-output allocation and the Java runtime's own overhead."
        )
    parts = {p.series: p for p in r.points if p.suite == "breakdown" and p.model == m}
    raw_java = r.get("latency", "ort-java", 1, m)
    if not parts:
        return ""
    whole = parts.get("predict (all)")
    staged = "StagedCall.run (the crossing, arguments made)" in parts
    entry = "StagedCall.run" if staged else "FromPython.predict"
    crossing = parts.get(f"{entry} (the crossing, arguments made)")
    java, ort_run = parts.get("Model.predict in Java"), parts.get("ort-python run")
    if whole is None or crossing is None or java is None or ort_run is None:
        return ""
    python_side = max(whole.median - crossing.median, 0.0)
    budget = 1.5 * ort_run.median - crossing.median
    return (
        "Measured part by part (interleaved, in the breakdown table), one call from Python at batch 1 is "
        f"{_med(whole)}: the one call into Java (`io.jinfer.bridge.{entry}`, "
        f"with its arguments made) takes {_med(crossing)}, of which the Java `Model.predict` itself (timed in a "
        f"Java loop) is {_med(java)} (raw ORT Java at batch 1: {_med(raw_java)}); the remaining "
        f"{duration(python_side)} is Python's side: checking the inputs, "
        + (
            "copying the row into the staging buffer and each output out of it"
            if staged
            else "each string among them, making the Java string arrays and buffers, and reading the outputs back"
        )
        + f". onnxruntime's whole `run` is {_med(ort_run)}, so the target leaves "
        + (f"{duration(budget)} for Python's side" if budget > 0 else "nothing for Python's side")
        + ". Fewer Python operations per call (one cached plan per input layout already saves the "
        "Java arrays) are what is left to take out."
    )


def _threads(r: Results, batch: int, m: str, series: str = "jinfer-java") -> str:
    raw2, raw1 = r.get("threads", "ort-java", 2, m, batch), r.get("threads", "ort-java", 1, m, batch)
    other = r.info.get("cpu", {}).get("java", {}).get("other_cores", 0.0)
    raw = (
        ""
        if raw2 is None or raw1 is None
        else (f" Raw ONNX Runtime Java went {raw2.median / raw1.median:.2f}x in the same rounds.")
    )
    if other > 0.5:
        return (
            f"other work used {other:.2f} of the {_cores(r)} cores on average while the Java suite ran, so a "
            f"second thread had no free core to run on.{raw} This run cannot show scaling either way; "
            "`make bench` on an idle machine can."
        )
    if series == "jinfer-pmml-java":
        return (
            "JPMML allocates a good deal per row (argument maps, field values, results), so two threads "
            "also meet in the young-generation collector, whose threads need the same two cores. A larger "
            "young generation (`-Xmn`) is where to start."
        )
    runtime_scales = raw2 is not None and raw1 is not None and raw2.median / raw1.median >= 1.5
    b64 = r.get("threads", series, 2, m, 64), r.get("threads", series, 1, m, 64)
    scales_64 = batch != 64 and b64[0] is not None and b64[1] is not None and b64[0].median / b64[1].median >= 1.7
    return (
        raw.strip()
        + (" So the runtime scales and jinfer's layer does not." if runtime_scales else "")
        + " What jinfer's layer shares between threads per call is now one atomic add to a counter of "
        "the thread's own (the calls in flight, which `close` waits for; a read-write lock, one shared word, "
        "until 2026-12-01), and small outputs come from a direct slab of the thread's own (`FreshSlabs`; "
        "each call had two `ByteBuffer.allocateDirect`, which reserve direct memory in one counter the JVM "
        "shares and register cleaners in one shared list). What is left per call that is not the "
        "runtime's: the input check (the NaN scan reads the batch once), the output map and the tensors "
        "over the buffers, all thread-local, beside the bench's own process on the same 2 cores."
        + (" At batch 64, where that work is a smaller share of a call, jinfer scales." if scales_64 else "")
    )


def _threads_pmml(r: Results, batch: int, m: str) -> str:
    return _threads(r, batch, m, "jinfer-pmml-java")


def _busy(r: Results, suite: str) -> str:
    cpu = r.info.get("cpu", {}).get(suite, {})
    if not cpu:
        return ""
    return f" Other work used {cpu.get('other_cores', 0):.2f} of the {_cores(r)} cores on average while this suite ran."


def _cores(r: Results) -> int:
    return int(r.info.get("java", {}).get("processors") or 2)


def _pmml_java(r: Results, m: str) -> str:
    j, o = r.get("latency", "jinfer-pmml-java", 1, m), r.get("latency", "jpmml-java", 1, m)
    return (
        f"jinfer {_med(j)} against raw JPMML {_med(o)} per row." + _overlap(j, o) + " Both spend nearly all "
        "of it in JPMML's `evaluate`; around it jinfer adds the input check, a column reader that copies "
        "string inputs, two direct output buffers per call and the probabilities read in the manifest's "
        "class order." + _busy(r, "java") + " Reusing the per-call buffers would trim the fixed part; a "
        "run on an idle machine would show whether more remains."
    )


def _pmml_python(r: Results, m: str) -> str:
    j, o = r.get("latency", "jinfer-pmml-python", 1024, m), r.get("latency", "jpmml-python", 1024, m)
    lj, lo = r.get("latency", "jinfer-pmml-python", 1024, "logreg"), r.get("latency", "jpmml-python", 1024, "logreg")
    cheap = (
        ""
        if lj is None or lo is None
        else (
            f" On the cheap logreg model the same comparison gives {lo.median / lj.median:.2f}x "
            f"({_med(lj)} against {_med(lo)})."
        )
    )
    return (
        f"jinfer {_med(j)} against jpmml-evaluator-python {_med(o)} per batch of 1,024 rows. Both run the "
        "same JPMML evaluation row by row, spread over the cores (jpmml-evaluator-python 0.16's "
        "`evaluateAll` defaults to `parallelism=-1`). What jinfer saves (pickling the columns both ways, "
        "building the result DataFrame) is a small part of a 100-tree forest's evaluation, so the ratio "
        "tends to 1 as the model grows." + cheap + " For large forests the gap can only close with "
        "cheaper evaluation per row, which is JPMML's work, not the crossing's. On the cheap models, "
        "both sides shared the process with JPype's full Python collection after every Java one (see "
        "the next note), which jinfer now bounds: a run with it tells how far the cheap models clear 2x."
    )


def _pmml_python_java(r: Results, m: str) -> str:
    j, k = r.get("latency", "jinfer-pmml-python", 1024, m), r.get("latency", "jinfer-pmml-java", 1024, m)
    loop = r.get("latency", "jinfer-pmml-loop", 1024, m)
    text = f"jinfer from Python {_med(j)} against {_med(loop)} for the same `Model.predict` in a Java loop"
    text += (
        " inside Python's JVM, per batch of 1,024 rows, interleaved: the Java side's time measured beside the"
        " Python call, in the same process, so what is left between them is the crossing and the Python side's"
        " conversions"
    )
    if j is not None and loop is not None:
        text += f" ({duration(max(0.0, j.median - loop.median))} of the call)"
    text += (
        f". The Java harness, a separate `java -cp` process run minutes apart, took {_med(k)} for it: it is"
        " not the target's measure, because the two sides then ran under different load and JIT states"
        ' (two harness runs minutes apart gave 22 and 38 ms for the forest: docs/decisions.md, "PMML from'
        ' Python, round three").'
    )
    text += _overlap(j, loop)
    return text + (
        " In Python's JVM JPype runs a full Python collection, holding the GIL, after every Java collection, "
        "young ones included; JPMML allocates about 2 KB a row, so before jinfer bounded that link it ran 8-14 "
        "Python collections a second of 30-40 ms each, half of one of the two cores, which made the same "
        'call 1.5-3x slower than in a plain JVM (docs/decisions.md, "PMML from Python, round two"). Now '
        "they run at most once a second and 1% of the time (`io.jinfer.bridge.PythonCollections`; "
        "`JINFER_JPYPE_GC_LINK=1` turns JPype's own back on). What is left on the Python side is the "
        "inputs' conversion and checks: for the mixed table, its 9 columns checked one by one and its "
        "3,072 strings joined into one UTF-8 buffer."
    )


def _python_backend(r: Results) -> str:
    b = r.get("pybackend", "pybackend-from-java", 1, "trivial")
    a = r.get("pybackend", "fastapi-trivial", 1, "trivial")
    need = "?" if a is None else duration(a.median / 50)
    return (
        f"one call from Java takes {_med(b)}, FastAPI {_med(a)}, so the target needs {need} per call. A call "
        "passes bare buffers and one `long[]` of shapes, and small results are copied into one buffer "
        "Java allocated (docs/python-backend.md); what is left is JPype's own Java-to-Python call (about "
        "2 µs), reading the input from the `Object[]`, the model, and the copy back."
    )


NOTES: dict[str, Callable[[Results, str], str]] = {  # by target: (results, the worst model) -> the note
    "java-1": lambda r, m: _java_vs_raw(r, 1, m),
    "java-1024": lambda r, m: _java_vs_raw(r, 1024, m),
    "handover-100mb": lambda r, m: _handover(r),
    "handover-flat": lambda r, m: _handover(r),
    "copy-strided": lambda r, m: _copy(r, "copy-strided"),
    "copy-fortran": lambda r, m: _copy(r, "copy-fortran"),
    "python-1": lambda r, m: _python(r, 1, m),
    "python-10000": lambda r, m: _python(r, 10_000, m),
    "pmml-java": _pmml_java,
    "pmml-python": _pmml_python,
    "pmml-python-java": _pmml_python_java,
    "python-backend": lambda r, m: _python_backend(r),
    "java-run": lambda r, m: (
        "what `Model.run` adds to raw ORT Java is the input check, most of it the default refusal of NaN and "
        "infinities, which reads every input value once (about 31 µs on the 800 KB of a logistic regression's "
        "batch of 10,000 here, against raw ORT's 90 µs: a scan that reads the input once cannot fit the ≤ 5 µs "
        "the target leaves). "
        "`make bench-outputs` times `Model.run` with the scan off (`allowNonFinite(true)`) beside it: its "
        "section shows how much of the gap that is."
    ),
    "threads-1": lambda r, m: _threads(r, 1, m),
    "threads-64": lambda r, m: _threads(r, 64, m),
    "threads-pmml-1": lambda r, m: _threads_pmml(r, 1, m),
    "threads-pmml-64": lambda r, m: _threads_pmml(r, 64, m),
}


def gap_notes(results: Results, missed: list[tuple[Any, Any]]) -> list[str]:
    """One note per missed target; a note shared with the target above says so."""
    notes: list[str] = []
    seen: dict[str, str] = {}
    for target, outcome in missed:
        fn = NOTES.get(target.key)
        text = fn(results, outcome.model or "rf") if fn is not None else ""
        on = f" on `{outcome.model}`, the worst model" if outcome.model else ""
        head = f"**{target.what}** (measured {outcome.ratio:.2f}{on}, target {target.target})"
        if text and text in seen:
            notes.append(f"{head}: as for {seen[text]}.")
            continue
        if text:
            seen[text] = target.what
        notes.append(f"{head}: {text}" if text else head + ".")
    return notes
