"""Where groups live: a SQLAlchemy table (SQLite by default), one session per call."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

__all__ = ["GroupStore", "DuplicateGroup"]


class DuplicateGroup(Exception):
    """A group id that is already taken (the API answers 409)."""

    code = 409


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "instance_groups"

    group_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "project_id": self.project_id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
        }


class GroupStore:
    """Groups per project. ``url`` is a SQLAlchemy URL (``sqlite:///groups.db``)."""

    def __init__(self, url: str = "sqlite://"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared in-memory database for every thread of the server.
            engine = create_engine(url, connect_args={"check_same_thread": False},
                                   poolclass=StaticPool)
        else:
            engine = create_engine(url)
        Base.metadata.create_all(engine)
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)

    def add(self, project_id: str, values: dict[str, Any]) -> dict[str, Any]:
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # UTC
        group = Group(project_id=project_id, created_at=now, **values)
        try:
            with self.session.begin() as session:
                session.add(group)
        except IntegrityError:
            raise DuplicateGroup(f"Group {values['group_id']} already exists.") from None
        return group.to_dict()

    def list(self, project_id: str) -> list[dict[str, Any]]:
        with self.session() as session:
            rows = session.scalars(
                select(Group).where(Group.project_id == project_id).order_by(Group.name)
            )
            return [row.to_dict() for row in rows]

    def get(self, project_id: str, group_id: str) -> dict[str, Any] | None:
        with self.session() as session:
            group = session.get(Group, group_id)
            return group.to_dict() if group is not None and group.project_id == project_id \
                else None

    def update(self, project_id: str, group_id: str, values: dict[str, Any]
               ) -> dict[str, Any] | None:
        with self.session.begin() as session:
            group = session.get(Group, group_id)
            if group is None or group.project_id != project_id:
                return None
            for key, value in values.items():
                setattr(group, key, value)
            return group.to_dict()

    def delete(self, project_id: str, group_id: str) -> bool:
        with self.session.begin() as session:
            group = session.get(Group, group_id)
            if group is None or group.project_id != project_id:
                return False
            session.delete(group)
            return True
