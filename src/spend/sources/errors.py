"""Typed errors for finding and fetching publishers' files.

All are `SpendError`s, so the CLI prints them as one line with a non-zero exit. A problem with a
single file during a fetch does not stop the run: it is recorded in the fetch report with the
error's message (see `spend.sources.fetch`), and the run exits non-zero at the end.
"""

from __future__ import annotations

from spend.core.errors import SpendError


class SourcesError(SpendError):
    """Base class for registry, discovery and download problems."""


class RegistryError(SourcesError):
    """The publisher registry (YAML) is malformed: a missing field, a bad slug, an unknown kind."""


class UnknownPublisher(SourcesError):
    """No registry entry has this slug."""


class FetchUsageError(SourcesError):
    """The options given to `spend fetch` do not make sense together (or for this publisher)."""


class DownloadError(SourcesError):
    """A file could not be stored: it is described by the subclass, and nothing was written."""


class NotADataFile(DownloadError):
    """The link served something that is not a spend file (an HTML page with status 200, JSON,
    an empty body). Publishers' content-management systems do this for missing files."""


class LimitExceeded(DownloadError):
    """An answer went past a bound on reading it (`spend.sources.limits`): too many bytes, or too long.
    Nothing of it is kept, and it is not asked for again in the same run."""


class FileTooLarge(LimitExceeded):
    """The body is over the size limit (declared by Content-Length, or found while streaming)."""


class PageTooLarge(LimitExceeded):
    """A web page or a service's answer is over its size limit, counted after Content-Encoding is undone
    (so a small gzip bomb is stopped at the limit, not after inflating)."""


class DeadlineExceeded(LimitExceeded):
    """The whole answer (connecting, headers and body) took longer than its deadline: a server that
    stalls, or sends a byte at a time, so that no single read ever times out."""


class TruncatedDownload(DownloadError):
    """Fewer bytes arrived than Content-Length announced, on every try."""
