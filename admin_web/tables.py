"""The admin's own tables: operators and their roles."""

from __future__ import annotations

import enum

from piccolo.columns import Boolean, Timestamptz, Varchar
from piccolo.table import Table

from admin_web.db import DB


class AdminUser(Table, db=DB, tablename="admin_user", help_text="A person who can log in to the admin."):
    class Role(enum.StrEnum):
        admin = "admin"
        operator = "operator"
        viewer = "viewer"

    email = Varchar(length=254, unique=True, index=True, help_text="Login name, stored lower-cased.")
    name = Varchar(length=100, help_text="Shown in the header and recorded on stock and order changes.")
    password_hash = Varchar(length=255, secret=True, help_text="argon2id hash; never the password.")
    role = Varchar(length=16, choices=Role, default=Role.viewer)
    is_active = Boolean(default=True, help_text="Inactive users cannot log in; their sessions end.")
    created_at = Timestamptz()
