"""Shared by the learning tests: score a model before and after a short training run."""


def train_and_score(engine, init_ckpts=()):
    """Validation results of ``engine``'s model untrained, then after ``engine.fit()`` (which
    first loads ``init_ckpts``, ``--ckpt_file`` specs).

    Runs with whatever thread count torch has: the asserted margins were measured on several
    seeds and on one and two threads, so they must not depend on the rounding of either.
    """
    untrained = engine.validate()
    engine.fit(resume=None, init_ckpts=list(init_ckpts))
    return untrained, engine.validate()
