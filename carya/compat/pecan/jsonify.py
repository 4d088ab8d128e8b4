"""``pecan.jsonify``: carya's JSON rules under Pecan's names (SQLAlchemy included)."""

from carya.jsonify import GenericJSON, encode, is_saobject, jsonify, with_when_type

try:
    from sqlalchemy.engine import CursorResult as ResultProxy
    from sqlalchemy.engine import Row as RowProxy
except ImportError:  # SQLAlchemy is optional: stand-ins nothing is an instance of

    class ResultProxy:  # type: ignore[no-redef]
        pass

    class RowProxy:  # type: ignore[no-redef]
        pass


__all__ = [
    "jsonify", "encode", "GenericJSON", "ResultProxy", "RowProxy", "is_saobject",
    "with_when_type",
]
