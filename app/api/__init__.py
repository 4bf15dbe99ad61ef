"""REST blueprints: every module here that defines `bp` is registered."""

import sys

from flask import Flask

from app.autoload import import_submodules


def register_blueprints(app: Flask) -> None:
    """Import every module of this package and register each one's `bp`."""
    for module in import_submodules(sys.modules[__name__]):
        bp = getattr(module, "bp", None)
        if bp is not None:
            app.register_blueprint(bp)
