"""Ordered background work with a bounded queue, for the training scripts' scene batches."""


def prefetch(pool, fn, args, ahead=4):
    """fn over args in order in the pool, at most `ahead` results waiting (Pool.imap would run ahead unbounded)."""
    pending = []
    for a in args:
        pending.append(pool.apply_async(fn, (a,)))
        if len(pending) > ahead:
            yield pending.pop(0).get()
    for p in pending:
        yield p.get()
