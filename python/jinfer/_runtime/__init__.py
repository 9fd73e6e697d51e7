"""L1a, the runtime: the JVM of this process and what runs in it.

- :mod:`.jvm`: starting the one JVM (classpath, settings, start hooks), Java errors as jinfer's.
- :mod:`.wire`: the byte layout of several tensors in one buffer, shared with Java.
- :mod:`jinfer.tensor` (public, beside this package): numpy ⇄ ``io.jinfer.Tensor``.
- :mod:`.model`: ``Model`` and ``load``, a bundle run by ``io.jinfer.Models``.
- :mod:`.pyhost`: the python backend's JPype host, through which Java calls this CPython's models.
- :mod:`.jephost`: its Jep host, for a plain JVM that embeds CPython; :mod:`.pycall`, what both share.
- :mod:`.runjava`: ``jinfer run-java``, a Java ``main`` run inside this CPython.

The boundary: this layer imports only the contracts (L0) and, at the bottom, ``jvm`` and
``wire`` import nothing above them. ``jvm`` knows no module that needs the JVM: those register a
start hook (:func:`.jvm.on_start`), as JPype's ``onJVMStart`` does. Nothing here imports the
converters (``_convert``, L1b, beside this layer) or anything above.

This ``__init__`` imports nothing, so that importing one module of the layer does not import
the others (``jinfer.tensor`` sits between ``jvm`` and ``model``).
"""
