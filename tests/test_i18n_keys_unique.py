"""Each interface string key belongs to one domain's catalogue: two files defining the same key would
silently overwrite each other (whichever module loads last wins), as `feed.title` once did."""

from __future__ import annotations

import re
from pathlib import Path

I18N = Path(__file__).resolve().parent.parent / "app" / "static" / "js" / "i18n"
KEY = re.compile(r'^\s+"([A-Za-z0-9_.:-]+)":', re.M)


def test_no_key_is_defined_by_two_domain_files():
    owners: dict[str, str] = {}
    clashes = []
    for path in sorted(I18N.glob("*.js")):
        for key in set(KEY.findall(path.read_text(encoding="utf-8"))):
            if key in owners:
                clashes.append((key, owners[key], path.name))
            owners.setdefault(key, path.name)
    assert not clashes, clashes
