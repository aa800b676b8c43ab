"""Shared by the learning tests: score a model before and after a short training run."""


def train_and_score(engine):
    """Validation metrics of ``engine``'s model untrained, then after ``engine.fit()``.

    Runs with whatever thread count torch has: the asserted margins were measured on several
    seeds and on one and two threads, so they must not depend on the rounding of either.
    """
    untrained = engine.validate()["metric"]
    engine.fit(resume=None)
    return untrained, engine.validate()["metric"]
