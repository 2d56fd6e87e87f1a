"""The one exception tree of ta_delivery. Imports nothing from the package."""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadResponse",
    "ConflictError",
    "DailyLimitReached",
    "InputError",
    "InputErrors",
    "NotFound",
    "PluginError",
    "ProviderError",
    "RateLimited",
    "StoreError",
    "TaDeliveryError",
    "TransportError",
    "Unavailable",
]


class TaDeliveryError(Exception):
    """Base class of every error this library raises on purpose."""


class InputError(TaDeliveryError):
    """Invalid user input: a course file, a roster, an import file, an option.

    ``source`` names the file (or ``None``), ``key`` the key path such as ``sessions[3].start``, ``line``
    the line of the file it is on, where known.
    """

    def __init__(
        self, message: str, *, source: str | None = None, key: str | None = None, line: int | None = None
    ) -> None:
        self.message = message
        self.source = source
        self.key = key
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.key) if part)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (line {self.line})" if self.line else text

    def within(self, source: str | None = None, prefix: str | None = None) -> InputError:
        """Return a copy located in ``source`` with ``prefix`` put before the key path."""
        key = self.key
        if prefix:
            key = f"{prefix}.{key}" if key and not key.startswith("[") else f"{prefix}{key or ''}"
        return InputError(self.message, source=source or self.source, key=key, line=self.line)


class InputErrors(InputError):
    """Several input errors found in one pass over a file, reported together.

    It reads as its first error (``message``, ``source``, ``key``, ``line``) for callers that handle one;
    ``errors`` holds them all (at most ``shown`` of them, out of ``total`` found).
    """

    def __init__(self, errors: list[InputError], *, total: int | None = None) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        self.errors = tuple(errors)
        self.total = max(total or len(errors), len(errors))
        first = errors[0]
        super().__init__(first.message, source=first.source, key=first.key, line=first.line)

    def lines(self) -> list[str]:
        """One line per error, and a last one saying how many more were found but not listed."""
        out = [InputError.__str__(error) for error in self.errors]
        if self.total > len(self.errors):
            out.append(f"... and {self.total - len(self.errors)} more problems (fix these and run again)")
        return out

    def __str__(self) -> str:
        if not hasattr(self, "errors"):  # while the base class initialises
            return InputError.__str__(self)
        return "\n".join(self.lines())


class PluginError(TaDeliveryError):
    """A plugin is broken or two plugins register the same name."""


class StoreError(TaDeliveryError):
    """The state store cannot be opened, migrated or written."""


class TransportError(TaDeliveryError):
    """An invite could not be delivered; it will be retried on the next run."""


class ProviderError(TaDeliveryError):
    """A remote system (classroom provider, LMS) failed. ``retryable`` says if trying later may help."""

    retryable: bool = False

    def __init__(self, message: str, *, provider: str | None = None, status: int | None = None) -> None:
        self.message = message
        self.provider = provider
        self.status = status
        super().__init__(str(self))

    def __str__(self) -> str:
        bits = [b for b in (self.provider, f"HTTP {self.status}" if self.status else None) if b]
        return f"{' '.join(bits)}: {self.message}" if bits else self.message


class AuthError(ProviderError):
    """Credentials are missing, wrong or expired (HTTP 401/403)."""


class NotFound(ProviderError):
    """The remote object does not exist (HTTP 404, 410)."""


class ConflictError(ProviderError):
    """The remote system refused because of a conflicting state (HTTP 409)."""


class RateLimited(ProviderError):
    """Too many requests (HTTP 429). ``retry_after`` is in seconds, when known."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, provider=provider, status=status)


class DailyLimitReached(RateLimited):
    """A daily quota is exhausted: stop that kind of call until the quota resets."""

    retryable = False


class Unavailable(ProviderError):
    """The remote system is down, timed out or answered 5xx."""

    retryable = True


class BadResponse(ProviderError):
    """The remote system answered with something we cannot use (malformed body, unexpected status)."""
