"""The churn warning and P(alive) are scored against the generator's true dropout dates; the scores must show
real signal (independent ground truth, not our SQL)."""

from __future__ import annotations

import numpy as np
import pytest

from retention_warehouse.score_churn import auc, score


def test_auc_by_hand():
    # positives 0.9 and 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4
    assert auc(np.array([0.9, 0.4, 0.5, 0.1]), np.array([1, 1, 0, 0])) == 0.75
    assert auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5


def test_churn_scores_on_generated_truth(faulty_warehouse):
    result = score(faulty_warehouse.database, faulty_warehouse.data_dir / "_truth")
    print(result)
    assert result["buyers"] > 300
    # P(alive) separates truly dropped repeat buyers from alive ones far better than chance (one-time buyers all
    # get P(alive) = 1 under BG/NBD, so over all buyers the AUC is only as good as chance on them)
    assert result["repeat_buyers"] > 150
    assert result["p_alive_auc_repeat_buyers"] > 0.7
    # the warning flags customers who mostly have truly dropped out, more often than the base rate
    assert result["flagged"] > 0
    assert result["precision"] > result["eligible_dropped_share"]
