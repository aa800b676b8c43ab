"""Shared by the learning tests: score a model before and after a short training run."""

import torch


def train_and_score(engine):
    """Validation metrics of ``engine``'s model untrained, then after ``engine.fit()``.

    Runs on one thread: when the slots bind depends on float rounding, and one thread repeats it.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        untrained = engine.validate()["metric"]
        engine.fit(resume=None)
        return untrained, engine.validate()["metric"]
    finally:
        torch.set_num_threads(threads)
