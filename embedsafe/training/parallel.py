"""A network's batch shared out among plain threads, forward and backward.

Why not torch's own threads: on 2 CPU cores torch parallelises each small convolution
with OpenMP and the threads meet at a barrier after every op; on cores shared with other
jobs a descheduled thread stalls the other at each of them (measured on the shipped
voxel CNN, minibatch 256, 2 shared cores: 572 ms a forward+backward pass with 2 torch
threads against 81 ms with one). Here each thread runs whole ops on its own part of the
batch with one torch thread, and the parts meet twice per pass (after forward, after
backward): about as fast as one thread on a busy machine, close to twice on a quiet one.

Gradients: each part's parameter gradients are computed in its own thread
(``torch.autograd.grad``) and summed in part order, so a run is deterministic for a
seed; they equal the whole batch's up to float rounding. The input gets no gradient
(frames never need one).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch

_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): a forked child makes its own


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=3, thread_name_prefix="batch-part"))
    return _POOL[1]


def _each(fn: Callable, items: Sequence) -> list:
    """``[fn(item) for item in items]``, the first in this thread, the rest in the pool."""
    futures = [_pool().submit(fn, item) for item in items[1:]]
    first = fn(items[0])
    return [first, *(f.result() for f in futures)]


# Smallest part worth a thread: a rollout's 16 frames in halves of 8 cost 1.6x the CPU
# of one batch of 16 (measured), a PPO minibatch of 256 in halves of 128 about 1.15x.
MIN_PART = 64


def in_parts(
    fn: Callable[[torch.Tensor], torch.Tensor],
    params: Sequence[torch.nn.Parameter],
    x: torch.Tensor,
    parts: int,
) -> torch.Tensor:
    """``fn(x)`` computed as ``parts`` slices of the batch ``x`` on as many threads, with
    the gradients of ``params`` (the parameters ``fn`` uses) when grad mode is on.
    A batch of fewer than ``parts * MIN_PART`` (or an ``x`` that needs a gradient) runs
    whole in this thread."""
    if parts < 2 or len(x) < parts * MIN_PART or x.requires_grad:
        return fn(x)
    chunks = x.tensor_split(parts)
    trained = tuple(p for p in params if p.requires_grad)
    if not (torch.is_grad_enabled() and trained):
        return torch.cat(_each(fn, chunks))
    return _Parts.apply(fn, chunks, *trained)


class _Parts(torch.autograd.Function):
    """Forward: each chunk through ``fn`` in its own thread, recording its own graph.
    Backward: each chunk's parameter gradients in its own thread, summed in order."""

    @staticmethod
    def forward(ctx, fn, chunks, *params):
        def run(chunk):
            with torch.enable_grad():
                return fn(chunk)

        ctx.outs = _each(run, chunks)
        ctx.params = params
        return torch.cat([out.detach() for out in ctx.outs])

    @staticmethod
    def backward(ctx, grad):
        outs, params = ctx.outs, ctx.params
        pieces = grad.split([len(out) for out in outs])

        def grads(i):
            return torch.autograd.grad(outs[i], params, pieces[i], allow_unused=True)

        per_part = _each(grads, range(len(outs)))
        del ctx.outs
        total = []
        for param, got in zip(params, zip(*per_part, strict=True), strict=True):
            found = [g for g in got if g is not None]
            total.append(sum(found[1:], found[0]) if found else torch.zeros_like(param))
        return (None, None, *total)
