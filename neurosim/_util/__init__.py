"""Bottom-layer helpers shared by the config, workload and sweep readers; they import nothing from
the rest of neurosim except :mod:`neurosim.limits` and :mod:`neurosim.errors`.

* :mod:`neurosim._util.yamlsource` — YAML loading that remembers the file and line of every key.
"""
