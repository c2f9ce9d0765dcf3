"""One root exception; every subclass carries a stable `code` that the API and events show."""

from __future__ import annotations


class PostWriterError(Exception):
    """Root of every error PostWriter raises on purpose.

    `retryable` tells a consumer whether the same message may succeed later (nack) or
    whether the job must fail now with `code` (ack after recording the failure).
    """

    code = "internal_error"
    http_status = 500
    retryable = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidRequest(PostWriterError):
    code = "invalid_request"
    http_status = 400


class InvalidMessage(PostWriterError):
    """An AMQP message that cannot be parsed or breaks its schema: dead-lettered."""

    code = "invalid_message"


class BlockedDestination(PostWriterError):
    code = "blocked_destination"
    http_status = 400


class NotFound(PostWriterError):
    code = "not_found"
    http_status = 404


class Unauthorized(PostWriterError):
    code = "unauthorized"
    http_status = 401


class LoginRequired(PostWriterError):
    code = "login_required"


class RateLimited(PostWriterError):
    code = "rate_limited"
    http_status = 429
    retryable = True


class Timeout(PostWriterError):
    code = "timeout"
    http_status = 504
    retryable = True


class PageLoadFailed(PostWriterError):
    """The page answered with an error status or could not be rendered."""

    code = "page_load_failed"


class BrowserCrashed(PostWriterError):
    code = "browser_crashed"
    retryable = True


class ServiceUnavailable(PostWriterError):
    """A dependency (broker, database) is down: the caller may try again."""

    code = "service_unavailable"
    http_status = 503
    retryable = True


class ExtractionFailed(PostWriterError):
    code = "extraction_failed"


class SettingsError(PostWriterError):
    code = "invalid_settings"

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}", field=variable)
        self.variable = variable


class InvalidCookieFile(PostWriterError):
    """A cookie file that cannot be imported; the message names the problem, never a value."""

    code = "invalid_cookie_file"
    http_status = 400


class DecryptionFailed(PostWriterError):
    """A sealed record that no key in the ring opens: tampered, swapped, or an unknown key."""

    code = "decryption_failed"


class VaultNotConfigured(PostWriterError):
    """The session vault has no key: set POSTWRITER_KEYS or POSTWRITER_KEYS_FILE."""

    code = "vault_not_configured"
    http_status = 503


class Blocked(PostWriterError):
    """The site answered with a block page or HTTP 429: the domain backs off, the job fails."""

    code = "blocked"
    http_status = 429


class Challenge(PostWriterError):
    """The site answered with a challenge or captcha page (Cloudflare, reCAPTCHA, checkpoint)."""

    code = "challenge"


class RobotsDisallowed(PostWriterError):
    """robots.txt disallows this URL for our user agent (checked for jobs without a session)."""

    code = "robots_disallowed"
    http_status = 403


class DomainRateLimited(RateLimited):
    """The domain's shared rate budget or backoff has no slot before the caller's deadline.

    `retry_at` is the clock time (seconds since the epoch) of the earliest possible slot.
    """

    def __init__(self, message: str, *, domain: str, retry_at: float) -> None:
        super().__init__(message)
        self.domain = domain
        self.retry_at = retry_at
