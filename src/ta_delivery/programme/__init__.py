"""The programme: many courses, one store, cross-course rules, and the public catalogue (PRODUCT.md s. 5).

API for the rest of the package (and colleagues building on it):

- :func:`load_programme(path, plugins=None) <load_programme>` reads ``programme.toml`` and every course file
  its ``courses`` globs match (relative to the programme file) and returns a :class:`Programme`:
  ``programme.courses`` (the loaded :class:`~ta_delivery.models.Course` objects, in glob order),
  ``programme.paths[course_id]`` (the file each was read from), ``programme.elearning``,
  ``programme.languages`` (first: the default), ``programme.title_in(lang)``, ``programme.base_url``,
  ``programme.contact``. Every input problem of the programme and its courses is raised at once as
  :class:`~ta_delivery.errors.InputError` (several: ``InputErrors``).
- :func:`is_programme_file(path) <is_programme_file>`: the file has a top-level ``[programme]`` table; the
  CLI then works on every course it lists.
"""

from __future__ import annotations

from .model import CATALOGUE_STATUSES, Elearning, Programme, localized
from .reader import is_programme_file, load_programme

__all__ = [
    "CATALOGUE_STATUSES",
    "Elearning",
    "Programme",
    "is_programme_file",
    "load_programme",
    "localized",
]
