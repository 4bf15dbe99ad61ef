"""Socket.IO handlers; importing this package imports (and so registers) every module in it."""

import sys

from app.autoload import import_submodules

import_submodules(sys.modules[__name__])
