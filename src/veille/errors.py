"""The one exception hierarchy of veille.

Errors are raised deep and translated at the edges: the CLI prints one line and exits 1,
the web answers an error page, the API a problem+json document.
"""


class VeilleError(Exception):
    """Base of every error veille raises on purpose."""


class ConfigError(VeilleError):
    """A setting, credential or workspace is missing or invalid."""


class NotFoundError(VeilleError):
    """A named thing (competitor, source, parser, revision, user...) does not exist."""


class ValidationError(VeilleError):
    """A value given by a person or a file breaks a rule of the data model."""


class ImportFormatError(VeilleError):
    """A file handed to an importer is not a document of the expected kind."""


class ParseError(VeilleError):
    """A response body does not have the shape its parser expects."""

    def __init__(self, parser: str, message: str) -> None:
        super().__init__(f"{parser}: {message}")
        self.parser = parser
        self.detail = message


class FetchError(VeilleError):
    """A request failed for good: network error, HTTP error after retries, body too large..."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status
        self.detail = message


class CredentialMissing(ConfigError):
    """A source needs a credential that is not configured."""
