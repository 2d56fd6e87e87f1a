"""The rule engine: run every registered rule over a course, apply severity overrides, sort."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..errors import PluginError
from ..models import Course
from ..plugins import Plugins, make_plugin_manager
from ..specs import Finding, RuleSpec

__all__ = ["check_course", "has_errors", "run_rules"]


def run_rules(course: Course, rules: Mapping[str, RuleSpec]) -> list[Finding]:
    """Apply ``rules`` to ``course``.

    Each finding gets its severity from ``[rules.severity]`` when the course overrides its rule, else
    the rule's default. Findings are sorted by rule id, then the session's position in the course
    (course-wide findings first), then the person's position (trainers, then participants), then message.
    """
    session_pos = {s.id: i for i, s in enumerate(course.sessions)}
    person_pos = {p.id: i for i, p in enumerate(course.people)}
    findings: list[Finding] = []
    for rule_id in sorted(rules):
        spec = rules[rule_id]
        severity = course.rules.severity.get(rule_id, spec.default_severity)
        try:
            produced = list(spec.check(course))
        except Exception as exc:  # a broken third-party rule must be named, not crash obscurely
            raise PluginError(f"rule {rule_id!r} failed: {type(exc).__name__}: {exc}") from exc
        for finding in produced:
            findings.append(attrs.evolve(finding, rule=rule_id, severity=severity))

    def order(f: Finding) -> tuple[str, int, int, str]:
        s = -1 if f.session is None else session_pos.get(f.session, len(session_pos))
        p = -1 if f.person is None else person_pos.get(f.person, len(person_pos))
        return (f.rule, s, p, f.message)

    return sorted(findings, key=order)


def check_course(course: Course, plugins: Plugins | None = None) -> list[Finding]:
    """Every finding of every registered rule (built-in and plugins') for ``course``."""
    registry = (plugins or make_plugin_manager()).rules
    return run_rules(course, registry)


def has_errors(findings: list[Finding]) -> bool:
    """Whether any finding has severity ``error`` (``check`` then exits 1)."""
    return any(f.severity == "error" for f in findings)
