"""ta_delivery's LMS plugin: Moodle course space, accounts, enrolments, attendance register, prerequisites.

Modules: :mod:`.sansio` (the REST protocol without I/O), :mod:`.client` (web-service calls),
:mod:`.decisions` (pure decisions), :mod:`.provider` (the ``moodle`` LMS), :mod:`.options` (settings and
``[lms]`` keys), :mod:`.plugin` (the hooks). See docs/providers/moodle.md.
"""

__version__ = "0.1.0"
