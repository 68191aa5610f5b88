"""The one exception the CLI turns into a clear message and exit code 1."""


class KgError(Exception):
    """An expected error: bad data, an unknown id, a broken query. No traceback is shown."""
