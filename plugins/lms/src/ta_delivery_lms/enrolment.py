"""Moodle accounts and enrolments: an account per person (a free username from the email), each enrolled
in the course space with the role of trainer or participant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta_delivery.errors import AuthError, ProviderError
from ta_delivery.models import Course, Person
from ta_delivery.records import LmsChange

from .decisions import people_of, split_name, username_candidates
from .site import MoodleSite, failed_change

__all__ = ["Enrolment"]


class Enrolment(MoodleSite):
    """Creating missing accounts and enrolling who is not yet enrolled with the right role."""

    __slots__ = ()

    def _user_fields(self, person: Person, username: str) -> dict[str, Any]:
        first, last = split_name(person.name)
        fields: dict[str, Any] = {
            "username": username,
            "auth": "manual",
            "createpassword": True,
            "firstname": first,
            "lastname": last,
            "email": person.email,
            "timezone": person.timezone,
        }
        if person.country:
            fields["country"] = person.country.upper()
        return fields

    def _create_accounts(self, missing: list[Person]) -> tuple[dict[str, int], list[LmsChange]]:
        """Create an account for each of ``missing`` with a free username; ids by lower-cased email."""
        created: dict[str, int] = {}
        changes: list[LmsChange] = []
        if not missing:
            return created, changes
        candidates = {p.id: username_candidates(p.email) for p in missing}
        wanted = sorted({u for names in candidates.values() for u in names})
        taken = {str(u.get("username")) for u in self.client.users_by_field("username", wanted)}
        for person in missing:
            target = f"account {person.id}"
            free = [u for u in candidates[person.id] if u not in taken]
            if not free:
                changes.append(
                    LmsChange(
                        "create", target, person.email, ok=False, error="no free username derived from email"
                    )
                )
                continue
            try:
                user_id = self.client.create_user(self._user_fields(person, free[0]))
            except AuthError:
                raise
            except ProviderError as exc:
                changes.append(failed_change("create", target, exc, person.email))
                continue
            taken.add(free[0])
            created[person.email.lower()] = user_id
            changes.append(LmsChange("create", target, person.email))
        return created, changes

    def _apply_people(self, course: Course, course_id: int) -> list[LmsChange]:
        people = people_of(course)
        accounts = self._accounts(p for p, _ in people)
        ids = {email: int(user["id"]) for email, user in accounts.items()}
        created, changes = self._create_accounts([p for p, _ in people if p.email.lower() not in ids])
        ids.update(created)
        enrolled = self.client.enrolled_users(course_id)
        roles = self._roles(enrolled)
        held = self._held_roles(enrolled)
        pending: list[tuple[Person, str, dict[str, int]]] = []
        for person, role in people:
            user_id = ids.get(person.email.lower())
            if user_id is None:
                continue
            role_id = roles.teacher if role == "teacher" else roles.student
            if role_id not in held.get(user_id, set()):
                pending.append((person, role, {"roleid": role_id, "userid": user_id, "courseid": course_id}))
        if not pending:
            return changes
        try:
            self.client.enrol([e for _, _, e in pending])
        except AuthError:
            raise
        except ProviderError:
            # one bad enrolment fails Moodle's whole batch: enrol one by one to isolate it
            for person, role, item in pending:
                try:
                    self.client.enrol([item])
                except AuthError:
                    raise
                except ProviderError as exc:
                    changes.append(failed_change("enrol", f"enrolment {person.id}", exc, role))
                else:
                    changes.append(LmsChange("enrol", f"enrolment {person.id}", role))
            return changes
        changes.extend(LmsChange("enrol", f"enrolment {p.id}", role) for p, role, _ in pending)
        return changes

    @staticmethod
    def _held_roles(enrolled: list[dict[str, Any]]) -> dict[int, set[int]]:
        held: dict[int, set[int]] = {}
        for user in enrolled:
            try:
                uid = int(user["id"])
            except (KeyError, TypeError, ValueError):
                continue
            roles = held.setdefault(uid, set())
            for role in user.get("roles") or ():
                if isinstance(role, Mapping) and role.get("roleid") is not None:
                    roles.add(int(role["roleid"]))
        return held
