"""Import NIR graphs (Neuromorphic Intermediate Representation, Pedersen et al., Nat. Commun.
15:8122, 2024; pip ``nir``) as a :class:`~neurosim.workload.Network`.

Supported nodes: ``Input``, ``Affine`` (zero bias only) / ``Linear``, ``LIF``, ``CubaLIF``,
``IF``, ``Flatten`` (pass-through) and ``Output``. Any other node (``Conv2d``, pooling, ``LI``,
``Delay``, ``Scale``, ``Threshold``, nested graphs ...) is refused with a message naming it.

Discretisation with tick length ``dt`` (same time unit as the NIR time constants). NIR's
continuous LIF is ``tau dv/dt = (v_leak - v) + r I``; neurosim stores ``u = v - v_leak``, so

* ``threshold = v_threshold - v_leak``, ``v_reset = v_reset - v_leak`` (exact shift);
* ``discretisation="exact"`` (default; zero-order hold of the input over one tick):
  ``leak = exp(-dt / tau)`` and every incoming weight is multiplied by ``r * (1 - leak)``;
* ``discretisation="euler"`` (forward Euler, as in the NIR paper's reference): ``leak = 1 - dt /
  tau`` (needs dt <= tau) and incoming weights are multiplied by ``r * dt / tau``.

``IF`` (``dv/dt = r I``): ``leak = 1``, weights multiplied by ``r * dt``. ``CubaLIF`` adds a
synaptic current filter ``tau_syn dI/dt = -I + w_in S`` that a single discrete LIF does not
have: with ``cuba_synapse="collapse"`` (default) the filter is replaced by its DC gain (I = w_in
S, which preserves the total charge each spike delivers and is exact as tau_syn -> 0; a warning
says so when tau_syn > dt) and the membrane is discretised as a LIF with ``tau_mem``;
``cuba_synapse="error"`` refuses such nodes instead. NIR fires when ``v > v_threshold``, neurosim
when ``v >= threshold``; the two differ only on exact equality. Input spikes are one per tick
(a spike is a unit input over one tick). Weights: NIR's (out, in) matrices are transposed to
neurosim's (pre, post) convention; all synapses get ``delay`` ticks.
"""
from __future__ import annotations

import math
import warnings
from collections import deque
from pathlib import Path

import numpy as np

from .errors import WorkloadError
from .network import Network

__all__ = ["from_nir"]

_NEURON = ("Input", "LIF", "CubaLIF", "IF")
_WEIGHT = ("Affine", "Linear")
_PASS = ("Flatten", "Output")
_HINTS = {
    "Conv1d": "flatten the convolution into a dense Linear layer before importing",
    "Conv2d": "flatten the convolution into a dense Linear layer before importing",
    "SumPool2d": "express pooling as a Linear layer before importing",
    "AvgPool2d": "express pooling as a Linear layer before importing",
    "NIRGraph": "nested graphs are not supported; inline the subgraph",
    "LI": "leaky integrators without spikes have no neurosim equivalent",
    "CubaLI": "leaky integrators without spikes have no neurosim equivalent",
    "Delay": "put the delay into neurosim's per-synapse delays instead",
    "Scale": "fold the scale into the neighbouring weight matrix",
    "Threshold": "use an IF or LIF node",
    "I": "pure integrators without spikes have no neurosim equivalent",
}


def _nir():
    try:
        import nir
    except ImportError:
        raise WorkloadError(
            "NIR import needs the optional package 'nir': pip install nir"
        ) from None
    return nir


def _arr(x):
    return np.asarray(x, dtype=np.float64).reshape(-1)


def _node_name(edge_end: str, nodes: dict) -> str:
    if edge_end in nodes:
        return edge_end
    head = edge_end.split(".", 1)[0]
    if head in nodes:
        return head
    raise WorkloadError(f"NIR graph: edge refers to unknown node {edge_end!r}")


def _neuron_params(name, node, kind, dt, discretisation, cuba_synapse):
    """(size, threshold, leak, v_reset, gain) arrays of a NIR neuron node."""
    where = f"NIR node {name!r} ({kind})"
    thr = _arr(node.v_threshold)
    vreset = _arr(node.v_reset) if getattr(node, "v_reset", None) is not None else np.zeros_like(thr)
    r = _arr(node.r)
    if kind == "IF":
        v_leak = np.zeros_like(thr)
        leak = np.ones_like(thr)
        gain = r * dt
    else:
        tau = _arr(node.tau if kind == "LIF" else node.tau_mem)
        v_leak = _arr(node.v_leak)
        if np.any(tau <= 0):
            raise WorkloadError(f"{where}: time constants must be > 0")
        if discretisation == "exact":
            leak = np.exp(-dt / tau)
            gain = r * (1.0 - leak)
        else:
            if np.any(dt > tau):
                raise WorkloadError(f"{where}: euler discretisation needs dt ({dt}) <= tau ({tau.min()})")
            leak = 1.0 - dt / tau
            gain = r * dt / tau
        if kind == "CubaLIF":
            if cuba_synapse != "collapse":
                raise WorkloadError(
                    f"{where}: has a synaptic current filter that a discrete LIF cannot represent "
                    "(pass cuba_synapse='collapse' to replace it by its DC gain)"
                )
            tau_syn = _arr(node.tau_syn)
            if np.any(tau_syn > dt):
                warnings.warn(
                    f"{where}: synaptic filter (tau_syn up to {tau_syn.max():g}) collapsed to an "
                    f"instantaneous current with the same charge (dt={dt:g}); spike timing is "
                    "approximate", stacklevel=3,
                )
            gain = gain * _arr(node.w_in)
    arrays = [thr, vreset, v_leak, leak, gain]
    size = max(a.size for a in arrays)
    out = []
    for a in arrays:
        if a.size not in (1, size):
            raise WorkloadError(f"{where}: parameter arrays have inconsistent sizes")
        out.append(np.broadcast_to(a, (size,)).astype(np.float64))
    thr, vreset, v_leak, leak, gain = out
    return size, thr - v_leak, leak, vreset - v_leak, gain


def from_nir(graph_or_path, *, dt: float = 1.0, discretisation: str = "exact", delay: int = 1,
             cuba_synapse: str = "collapse", name: str | None = None) -> Network:
    """Build a :class:`Network` from a ``nir.NIRGraph`` or a ``.nir`` file (see module docs).

    Returns the builder; wrap it in :class:`~neurosim.workload.Workload` with input rasters
    keyed by the NIR ``Input`` node names. The readout (population feeding the ``Output`` node)
    and the discretisation used are recorded in ``network.metadata``.

    >>> import numpy as np, nir                                       # doctest: +SKIP
    >>> g = nir.NIRGraph(nodes={"in": nir.Input({"input": np.array([2])}),
    ...     "fc": nir.Linear(np.ones((3, 2))),
    ...     "lif": nir.LIF(tau=np.full(3, 10.), r=np.ones(3), v_leak=np.zeros(3),
    ...                    v_threshold=np.ones(3)),
    ...     "out": nir.Output({"output": np.array([3])})},
    ...     edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])     # doctest: +SKIP
    >>> from_nir(g).population("lif").size                            # doctest: +SKIP
    3
    """
    nir = _nir()
    if discretisation not in ("exact", "euler"):
        raise WorkloadError(f"from_nir: discretisation must be 'exact' or 'euler', got {discretisation!r}")
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise WorkloadError(f"from_nir: dt must be a positive number, got {dt!r}")
    source = "NIR graph"
    if isinstance(graph_or_path, (str, Path)):
        source = str(graph_or_path)
        if not Path(graph_or_path).is_file():
            raise WorkloadError(f"{source}: no such NIR file")
        _check_file_size(graph_or_path, source)
        try:
            graph = nir.read(graph_or_path)
        except Exception as e:
            raise WorkloadError(f"{source}: cannot read NIR file ({type(e).__name__}: {str(e)[:200]})") from None
    else:
        graph = graph_or_path
    if not isinstance(graph, nir.NIRGraph):
        raise WorkloadError(f"from_nir: expected a nir.NIRGraph or a path, got {type(graph).__name__}")
    try:
        return _convert(graph, source, dt, discretisation, delay, cuba_synapse, name)
    except WorkloadError as e:
        if str(e).startswith(source):
            raise
        raise type(e)(f"{source}: {e}") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, StopIteration, ArithmeticError) as e:
        # a node whose fields are missing, of the wrong type or not numeric (a malformed file)
        raise WorkloadError(f"{source}: malformed NIR graph ({type(e).__name__}: {str(e)[:200]})") from None


def _check_file_size(path, source: str) -> None:
    """Refuse a NIR (HDF5) file whose datasets would need more memory than the limit, before
    ``nir.read`` loads them: the sum of every dataset's declared size, from its metadata."""
    from ..errors import ResourceLimitError
    from ..limits import check_memory, fmt_bytes
    from .errors import WorkloadLimitError

    try:
        import h5py
    except ImportError:  # nir needs h5py; without it nir.read fails with its own message
        return
    total = 0

    def visit(_, obj):
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            total += int(obj.size or 0) * int(obj.dtype.itemsize)

    try:
        with h5py.File(path, "r") as f:
            f.visititems(visit)
    except Exception as e:  # not HDF5, truncated, unreadable
        raise WorkloadError(f"{source}: cannot read NIR file ({type(e).__name__}: {str(e)[:200]})") from None
    try:
        check_memory(2 * total, f"reading its datasets ({fmt_bytes(total)})")
    except ResourceLimitError as e:
        raise WorkloadLimitError(f"{source}: {e}") from None


def _convert(graph, source, dt, discretisation, delay, cuba_synapse, name) -> Network:
    """The body of :func:`from_nir` for a graph already read."""
    nodes = dict(graph.nodes)
    kinds = {}
    for nm, node in nodes.items():
        kind = type(node).__name__
        if kind not in _NEURON + _WEIGHT + _PASS:
            hint = _HINTS.get(kind, "only Input, Affine/Linear, LIF, CubaLIF, IF, Flatten and Output map")
            raise WorkloadError(f"{source}: NIR node {nm!r} ({kind}) cannot be mapped onto neurosim's LIF model: {hint}")
        kinds[nm] = kind
    succ = {nm: [] for nm in nodes}
    pred = {nm: [] for nm in nodes}
    for a, b in graph.edges:
        a, b = _node_name(a, nodes), _node_name(b, nodes)
        succ[a].append(b)
        pred[b].append(a)

    # population order: inputs first (graph order), then neuron nodes breadth-first from them
    order = [nm for nm in nodes if kinds[nm] == "Input"]
    seen, queue = set(order), deque(order)
    while queue:
        for nxt in succ[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
                if kinds[nxt] in _NEURON:
                    order.append(nxt)
    order += [nm for nm in nodes if kinds[nm] in _NEURON and nm not in order]
    if not any(kinds[nm] == "Input" for nm in order):
        raise WorkloadError(f"{source}: the graph has no Input node")

    def sources(nm, trail=()):
        """Neuron nodes feeding ``nm`` through pass-through (Flatten) nodes."""
        out = []
        for p in pred[nm]:
            if kinds[p] in _NEURON:
                out.append(p)
            elif kinds[p] == "Flatten":
                if p in trail:
                    raise WorkloadError(f"{source}: cycle of Flatten nodes at {p!r}")
                out += sources(p, trail + (p,))
            else:
                raise WorkloadError(
                    f"{source}: NIR node {nm!r} is fed by {kinds[p]} node {p!r}; expected a "
                    "neuron (Input/LIF/CubaLIF/IF) or Flatten node"
                )
        return out

    meta_name = graph.metadata.get("name") if isinstance(graph.metadata, dict) else None
    net = Network(name=name or (str(meta_name) if meta_name else "nir"))
    params, gains = {}, {}
    for nm in order:
        node = nodes[nm]
        if kinds[nm] == "Input":
            shape = np.asarray(next(iter(node.input_type.values())))
            net.add_input(nm, int(np.prod(shape)))
            continue
        size, thr, leak, vres, gain = _neuron_params(nm, node, kinds[nm], float(dt), discretisation, cuba_synapse)
        params[nm] = (size, thr, leak, vres)
        gains[nm] = gain

    # sizes of scalar-parameter neuron nodes come from their incoming weights
    for nm in nodes:
        if kinds[nm] in _WEIGHT:
            w = np.atleast_2d(np.asarray(nodes[nm].weight, dtype=np.float64))
            for s in succ[nm]:
                if s in params and params[s][0] == 1 and w.shape[0] > 1:
                    size, thr, leak, vres = params[s]
                    params[s] = (w.shape[0], *(np.broadcast_to(a, (w.shape[0],)) for a in (thr, leak, vres)))
                    gains[s] = np.broadcast_to(gains[s], (w.shape[0],))
    for nm in order:
        if nm in params:
            size, thr, leak, vres = params[nm]
            net.add_population(nm, size, threshold=thr, leak=leak, v_reset=vres, refractory=0)

    blocks = {}

    def add(pre, post, w):
        key = (pre, post)
        blocks[key] = blocks[key] + w if key in blocks else w

    for nm in nodes:
        kind = kinds[nm]
        if kind in _WEIGHT:
            node = nodes[nm]
            w = np.atleast_2d(np.asarray(node.weight, dtype=np.float64))
            if w.ndim != 2:
                raise WorkloadError(f"{source}: NIR node {nm!r} ({kind}): weight must be 2-d, got shape {w.shape}")
            if kind == "Affine" and np.any(np.asarray(node.bias) != 0):
                raise WorkloadError(
                    f"{source}: NIR node {nm!r} (Affine) has a nonzero bias; neurosim's LIF has no "
                    "bias current (feed it from an always-on input neuron, or use Linear)"
                )
            for post in succ[nm]:
                if kinds[post] not in ("LIF", "CubaLIF", "IF"):
                    raise WorkloadError(
                        f"{source}: NIR node {nm!r} ({kind}) feeds {kinds[post]} node {post!r}; "
                        "a weight layer must feed a LIF, CubaLIF or IF node"
                    )
                for pre in sources(nm):
                    n_pre, n_post = net.population(pre).size, net.population(post).size
                    if w.shape != (n_post, n_pre):
                        raise WorkloadError(
                            f"{source}: NIR node {nm!r} ({kind}): weight shape {w.shape} does not "
                            f"match {pre!r} ({n_pre}) -> {post!r} ({n_post}); expected ({n_post}, {n_pre})"
                        )
                    add(pre, post, w.T * gains[post][None, :])
        elif kind in ("LIF", "CubaLIF", "IF"):
            direct = []
            for p in pred[nm]:
                if kinds[p] in _NEURON:
                    direct.append(p)
                elif kinds[p] == "Flatten":
                    direct += sources(p)
            for pre in direct:  # neuron -> neuron edge without weights: one-to-one, weight 1
                n_pre, n_post = net.population(pre).size, net.population(nm).size
                if n_pre != n_post:
                    raise WorkloadError(
                        f"{source}: edge {pre!r} -> {nm!r} has no weight layer and the sizes "
                        f"differ ({n_pre} vs {n_post})"
                    )
                add(pre, nm, np.diag(gains[nm]).astype(np.float64))
    for (pre, post), w in blocks.items():
        net.connect(pre, post, weights=w, delay=delay)

    readout = [p for nm in nodes if kinds[nm] == "Output" for p in sources(nm)]
    net.metadata.update({
        "source": "NIR",
        "nir": {"dt": float(dt), "discretisation": discretisation, "cuba_synapse": cuba_synapse},
    })
    if readout:
        net.metadata["readout"] = {"population": readout[0], "decision": "most spikes in sample window"}
    return net
