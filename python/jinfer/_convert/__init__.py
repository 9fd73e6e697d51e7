"""L1b, the converters: a fitted model in, the bytes of one artifact format out.

- :mod:`.formats`: THE table, ``format → (file name, libraries, available(), convert())``. A new
  bundle format is one converter module here and one row there.
- :mod:`.onnx` (skl2onnx, with :mod:`.skl2onnx_setup`), :mod:`.pmml` (sklearn2pmml),
  :mod:`.python` (the model itself, pickled with joblib).
- :mod:`.capture`: what a converter's native code prints goes to a log, not the terminal.

The boundary: converters import only the contracts (L0) and each other, and their libraries
only when they convert. They never need the JVM of this process (sklearn2pmml runs its own
``java``), never import the runtime (``_runtime``, L1a, beside this layer), and know nothing of
model families or export above. Parity is not theirs: export checks every artifact through Java.

This ``__init__`` imports nothing.
"""
