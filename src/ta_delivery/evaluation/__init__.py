"""Course evaluations (PRODUCT.md section 6): questions, imports from survey tools, results.

Importing this package loads only the model; the readers, the store and the aggregation load on use.
"""

from __future__ import annotations

from .model import Evaluation, Question, Response

__all__ = ["Evaluation", "Question", "Response"]
